//! The OData `$filter` subset `GET /groups` understands:
//! `eq`/`ne` on `name`, `type`, `capacityId`, `isReadOnly`, `isOnDedicatedCapacity`;
//! `contains`/`startswith`/`endswith` on the text fields; `and`, `or`, `not`
//! and parentheses. Text comparisons ignore ASCII case, as the service does
//! for workspace names.

/// What a workspace looks like to a filter.
#[derive(Debug)]
pub(crate) struct GroupView<'a> {
    pub(crate) name: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) capacity_id: Option<&'a str>,
    pub(crate) is_read_only: bool,
    pub(crate) is_on_dedicated_capacity: bool,
}

/// A parsed `$filter` expression.
#[derive(Debug)]
pub(crate) enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        field: Field,
        negated: bool,
        literal: Literal,
    },
    Text {
        function: TextFunction,
        field: Field,
        argument: String,
    },
}

/// A filterable workspace property.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    Name,
    Type,
    CapacityId,
    IsReadOnly,
    IsOnDedicatedCapacity,
}

impl Field {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "name" => Some(Field::Name),
            "type" => Some(Field::Type),
            "capacityId" => Some(Field::CapacityId),
            "isReadOnly" => Some(Field::IsReadOnly),
            "isOnDedicatedCapacity" => Some(Field::IsOnDedicatedCapacity),
            _ => None,
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Field::Name | Field::Type | Field::CapacityId)
    }

    fn text<'a>(self, group: &GroupView<'a>) -> Option<&'a str> {
        match self {
            Field::Name => Some(group.name),
            Field::Type => Some(group.kind),
            Field::CapacityId => group.capacity_id,
            Field::IsReadOnly | Field::IsOnDedicatedCapacity => None,
        }
    }

    fn flag(self, group: &GroupView<'_>) -> Option<bool> {
        match self {
            Field::IsReadOnly => Some(group.is_read_only),
            Field::IsOnDedicatedCapacity => Some(group.is_on_dedicated_capacity),
            Field::Name | Field::Type | Field::CapacityId => None,
        }
    }
}

/// A literal on the right of `eq`/`ne`.
#[derive(Debug)]
pub(crate) enum Literal {
    Text(String),
    Flag(bool),
    Null,
}

/// A text function.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TextFunction {
    Contains,
    StartsWith,
    EndsWith,
}

impl Filter {
    /// Parses a `$filter` value; the error explains what is not understood.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut parser = Parser {
            tokens: tokenize(text)?,
            position: 0,
        };
        let filter = parser.or_expression()?;
        match parser.next() {
            None => Ok(filter),
            Some(token) => Err(format!("unexpected {token} after a complete expression")),
        }
    }

    /// Whether `group` passes the filter.
    pub(crate) fn matches(&self, group: &GroupView<'_>) -> bool {
        match self {
            Filter::Or(left, right) => left.matches(group) || right.matches(group),
            Filter::And(left, right) => left.matches(group) && right.matches(group),
            Filter::Not(inner) => !inner.matches(group),
            Filter::Compare {
                field,
                negated,
                literal,
            } => {
                let equal = match literal {
                    Literal::Text(expected) => field
                        .text(group)
                        .is_some_and(|actual| actual.eq_ignore_ascii_case(expected)),
                    Literal::Flag(expected) => field.flag(group) == Some(*expected),
                    Literal::Null => field.text(group).is_none() && field.flag(group).is_none(),
                };
                equal != *negated
            }
            Filter::Text {
                function,
                field,
                argument,
            } => field.text(group).is_some_and(|actual| {
                let (actual, argument) = (actual.to_lowercase(), argument.to_lowercase());
                match function {
                    TextFunction::Contains => actual.contains(&argument),
                    TextFunction::StartsWith => actual.starts_with(&argument),
                    TextFunction::EndsWith => actual.ends_with(&argument),
                }
            }),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    Comma,
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(word) => write!(f, "'{word}'"),
            Token::Text(text) => write!(f, "string '{text}'"),
            Token::Open => f.write_str("'('"),
            Token::Close => f.write_str("')'"),
            Token::Comma => f.write_str("','"),
        }
    }
}

/// Names the next token in messages, or the end of the expression.
fn describe(token: Option<&Token>) -> String {
    token.map_or_else(|| "the end of the expression".to_owned(), Token::to_string)
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '\'' => {
                chars.next();
                let mut literal = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            literal.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => literal.push(c),
                        None => return Err("unterminated string literal".into()),
                    }
                }
                tokens.push(Token::Text(literal));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn expect(&mut self, expected: &Token) -> Result<(), String> {
        match self.next() {
            Some(token) if &token == expected => Ok(()),
            other => Err(format!(
                "expected {expected}, found {}",
                describe(other.as_ref())
            )),
        }
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    fn or_expression(&mut self) -> Result<Filter, String> {
        let mut left = self.and_expression()?;
        while self.at_word("or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and_expression()?));
        }
        Ok(left)
    }

    fn and_expression(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.at_word("and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.at_word("not") {
            self.next();
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or_expression()?;
                self.expect(&Token::Close)?;
                Ok(inner)
            }
            Some(Token::Word(word)) if self.peek() == Some(&Token::Open) => self.function(&word),
            Some(Token::Word(word)) => self.comparison(&word),
            other => Err(format!(
                "expected a condition, found {}",
                describe(other.as_ref())
            )),
        }
    }

    fn function(&mut self, name: &str) -> Result<Filter, String> {
        let function = match name {
            "contains" => TextFunction::Contains,
            "startswith" => TextFunction::StartsWith,
            "endswith" => TextFunction::EndsWith,
            other => return Err(format!("unsupported function '{other}'")),
        };
        self.expect(&Token::Open)?;
        let field = self.text_field()?;
        self.expect(&Token::Comma)?;
        let argument = match self.next() {
            Some(Token::Text(argument)) => argument,
            other => {
                return Err(format!(
                    "expected a string literal, found {}",
                    describe(other.as_ref())
                ));
            }
        };
        self.expect(&Token::Close)?;
        Ok(Filter::Text {
            function,
            field,
            argument,
        })
    }

    fn text_field(&mut self) -> Result<Field, String> {
        match self.next() {
            Some(Token::Word(name)) => Field::parse(&name)
                .filter(|field| field.is_text())
                .ok_or_else(|| format!("'{name}' is not a text property")),
            other => Err(format!(
                "expected a property name, found {}",
                describe(other.as_ref())
            )),
        }
    }

    fn comparison(&mut self, name: &str) -> Result<Filter, String> {
        let field = Field::parse(name).ok_or_else(|| format!("unknown property '{name}'"))?;
        let negated = match self.next() {
            Some(Token::Word(op)) if op == "eq" => false,
            Some(Token::Word(op)) if op == "ne" => true,
            other => {
                return Err(format!(
                    "expected 'eq' or 'ne', found {}",
                    describe(other.as_ref())
                ));
            }
        };
        let literal = match self.next() {
            Some(Token::Text(text)) if field.is_text() => Literal::Text(text),
            Some(Token::Word(word)) if word == "null" => Literal::Null,
            Some(Token::Word(word)) if !field.is_text() && (word == "true" || word == "false") => {
                Literal::Flag(word == "true")
            }
            other => {
                return Err(format!(
                    "'{name}' cannot be compared with {}",
                    describe(other.as_ref())
                ));
            }
        };
        Ok(Filter::Compare {
            field,
            negated,
            literal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str) -> GroupView<'_> {
        GroupView {
            name,
            kind: "Workspace",
            capacity_id: None,
            is_read_only: false,
            is_on_dedicated_capacity: false,
        }
    }

    fn keeps(filter: &str, name: &str) -> bool {
        Filter::parse(filter).expect(filter).matches(&group(name))
    }

    #[test]
    fn compares_names_ignoring_case() {
        assert!(keeps("name eq 'Sales Analytics'", "sales analytics"));
        assert!(!keeps("name ne 'Sales Analytics'", "Sales Analytics"));
        assert!(keeps("name eq 'O''Brien'", "O'Brien"));
    }

    #[test]
    fn combines_functions_and_operators() {
        let filter = "contains(name,'market') or name eq 'contoso'";
        assert!(keeps(filter, "Marketing group"));
        assert!(keeps(filter, "contoso"));
        assert!(!keeps(filter, "Finance"));
        assert!(keeps(
            "not (startswith(name,'Fin') and isReadOnly eq true)",
            "Finance"
        ));
        assert!(keeps("capacityId eq null and type eq 'Workspace'", "x"));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        for filter in [
            "name gt 'a'",
            "contains(name)",
            "name eq",
            "isReadOnly eq 'x'",
            "size eq 1",
            "name eq 'a' )",
        ] {
            assert!(Filter::parse(filter).is_err(), "{filter}");
        }
    }
}
