//! Rust code from a validated spec: a pure function from [`Spec`] to tokens.

mod contract;
mod docs;
mod examples;
mod idents;
mod json;
mod models;
mod operations;
mod partition;
mod record;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::api::{Api, TypeRef};
use crate::naming;

/// The crate the generated code is compiled into, and so how it reaches the runtime and the
/// client: `powerbi` itself ([`HostCrate::powerbi`]) or a crate depending on it
/// ([`HostCrate::external`]).
#[derive(Debug, Clone)]
pub struct HostCrate {
    /// Path of the runtime module, `crate::runtime` inside `powerbi`, `::powerbi::runtime`
    /// elsewhere.
    pub runtime_path: String,
    /// Whether to add `client.datasets()`-style accessors as inherent methods of
    /// `PowerBiClient` (only possible inside the `powerbi` crate). Otherwise an extension
    /// trait `CategoryClients` provides them.
    pub inherent_accessors: bool,
    /// Whether each category (and the models only it uses) sits behind a cargo feature of the
    /// same name, as in the `powerbi` crate.
    pub feature_gates: bool,
    /// What precedes a category's name in its feature's (`fabric_` for Fabric's categories in
    /// the `powerbi` crate, whose Power BI categories have none).
    pub feature_prefix: String,
    /// Where the models go: into the same file (the default), alone into a file of their own,
    /// or left out for a crate that holds them.
    pub models: ModelsLayout,
    /// Whether each category's code goes into a file of its own, which the root file
    /// `include!`s behind the category's feature ([`crate::render_files`]; with
    /// `feature_gates`): rustc then does not even read the code of the categories a build
    /// leaves off, and each file stays small enough to read in a browser (issue 13). A
    /// category's module holds its file; its models, those only it uses (the models several
    /// categories use are in `several-categories.rs`, behind any of their features).
    pub category_files: bool,
}

/// Where the generated models and enums go.
///
/// `powerbi` keeps them in crates of their own, `powerbi-models` (Power BI's) and
/// `powerbi-fabric-models-1` and `-2` (Fabric's, in two parts on
/// `powerbi-fabric-models-shared`), which need only `powerbi-types`: the compiler then holds
/// the models and the clients in separate runs, and cargo compiles the model crates side by
/// side while other crates build (issue 13). A crate generating its own subset keeps the
/// default, one file with everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ModelsLayout {
    /// A `models` module in the generated file, beside the clients.
    #[default]
    Module,
    /// Only the models, as the file's items (for a crate that `include!`s them at its root or
    /// in a module of its own); no client, accessor or operation table.
    Alone,
    /// No models: the file re-exports the crate or module at this path as `models`
    /// (`::powerbi_models::power_bi`), which was generated with [`ModelsLayout::Alone`] from the same
    /// spec and feature gates.
    Reexported(String),
    /// Only the models of part `index` (counted from 0) of `of`, as [`ModelsLayout::Alone`]
    /// does, reaching the models the parts share at `shared` (generated with
    /// [`ModelsLayout::SharedPart`]): each part a crate of its own, so that the parts compile
    /// side by side. Categories go into parts whole, balanced by their models' sizes; a model
    /// whose categories are in several parts is shared. The same spec always gives the same
    /// parts.
    Part {
        /// Which part, `0..of`.
        index: usize,
        /// How many parts.
        of: usize,
        /// The path of the crate or module with the shared models
        /// (`::powerbi_fabric_models_shared`).
        shared: String,
    },
    /// Only the models that the parts of [`ModelsLayout::Part`] share (`of` parts), as
    /// [`ModelsLayout::Alone`] does.
    SharedPart {
        /// How many parts.
        of: usize,
    },
    /// No models: the file's `models` module re-exports every item of the crates or modules at
    /// these paths, the shared models and the parts ([`ModelsLayout::SharedPart`],
    /// [`ModelsLayout::Part`]) generated from the same spec and feature gates.
    ReexportedParts(Vec<String>),
}

/// How many crates hold Fabric's models besides the shared one: two, which with Power BI's
/// models' crate keep both CPUs of a small machine busy (issue 13); more would add a compiler
/// run each for nothing.
pub const FABRIC_MODEL_PARTS: usize = 2;

/// The crate with the Fabric models its parts share.
const FABRIC_SHARED_MODELS: &str = "::powerbi_fabric_models_shared";

impl HostCrate {
    /// A crate other than `powerbi`: runtime at `::powerbi::runtime`, the `CategoryClients`
    /// trait, no feature gates.
    pub fn external() -> Self {
        HostCrate {
            runtime_path: "::powerbi::runtime".to_owned(),
            inherent_accessors: false,
            feature_gates: false,
            feature_prefix: String::new(),
            models: ModelsLayout::Module,
            category_files: false,
        }
    }

    /// The `powerbi` crate itself: runtime at `crate::runtime`, inherent accessors, a feature
    /// per category, the models re-exported from `powerbi-models`
    /// ([`HostCrate::powerbi_models`]).
    pub fn powerbi() -> Self {
        HostCrate {
            runtime_path: "crate::runtime".to_owned(),
            inherent_accessors: true,
            feature_gates: true,
            feature_prefix: String::new(),
            models: ModelsLayout::Reexported("::powerbi_models::power_bi".to_owned()),
            category_files: true,
        }
    }

    /// Fabric's categories inside the `powerbi` crate (its module `fabric`): as
    /// [`HostCrate::powerbi`], each category behind the feature `fabric_<category>`, the
    /// models from the crates `powerbi-fabric-models-shared`, `-1` and `-2`
    /// ([`HostCrate::powerbi_fabric_models`]).
    pub fn powerbi_fabric() -> Self {
        HostCrate {
            feature_prefix: "fabric_".to_owned(),
            models: ModelsLayout::ReexportedParts(
                std::iter::once(FABRIC_SHARED_MODELS.to_owned())
                    .chain(
                        (1..=FABRIC_MODEL_PARTS)
                            .map(|part| format!("::powerbi_fabric_models_{part}")),
                    )
                    .collect(),
            ),
            ..HostCrate::powerbi()
        }
    }

    /// The `powerbi-models` crate: the models alone, reaching the types they are made of as
    /// `::powerbi_types` (the runtime's model-side half, which needs no HTTP stack), each
    /// behind the features of the categories that use it.
    pub fn powerbi_models() -> Self {
        HostCrate {
            runtime_path: "::powerbi_types".to_owned(),
            inherent_accessors: false,
            feature_gates: true,
            feature_prefix: String::new(),
            models: ModelsLayout::Alone,
            category_files: true,
        }
    }

    /// The crate `powerbi-fabric-models-<part>` (`part` is 1 or 2; 0 for
    /// `powerbi-fabric-models-shared`): that part of Fabric's models ([`ModelsLayout::Part`],
    /// [`ModelsLayout::SharedPart`]), at its root, as [`HostCrate::powerbi_models`] but behind
    /// `fabric_<category>`. Crates apart from Power BI's models and from each other, so that
    /// cargo compiles the parts side by side once the small shared one is built (issue 13).
    pub fn powerbi_fabric_models(part: usize) -> Self {
        let models = match part {
            0 => ModelsLayout::SharedPart {
                of: FABRIC_MODEL_PARTS,
            },
            part => ModelsLayout::Part {
                index: part.saturating_sub(1),
                of: FABRIC_MODEL_PARTS,
                shared: FABRIC_SHARED_MODELS.to_owned(),
            },
        };
        HostCrate {
            feature_prefix: "fabric_".to_owned(),
            models,
            ..HostCrate::powerbi_models()
        }
    }

    /// `#[cfg(...)]` for items used by `categories`, when gating is on.
    fn gate<'a>(&self, categories: impl IntoIterator<Item = &'a str>) -> TokenStream {
        if !self.feature_gates {
            return TokenStream::new();
        }
        let features: Vec<String> = categories
            .into_iter()
            .map(|category| format!("{}{category}", self.feature_prefix))
            .collect();
        match features.as_slice() {
            [] => TokenStream::new(),
            [one] => quote!(#[cfg(feature = #one)]),
            many => quote!(#[cfg(any(#(feature = #many),*))]),
        }
    }
}

/// The file with the models several categories use, beside the categories' files: not a
/// snake_case name, so no category's file can have it.
const COMMON_FILE: &str = "several-categories";

/// Generated code: the root file and, with [`HostCrate::category_files`], the files it includes.
pub struct Generated {
    /// The root file.
    pub root: TokenStream,
    /// The included files by name (`datasets.rs`), in the folder named like the root file.
    pub files: Vec<(String, TokenStream)>,
}

/// Generates the whole client for `spec` into one file.
pub fn generate(api: &Api, host: &HostCrate) -> Result<TokenStream, String> {
    generate_files(api, host, None).map(|generated| generated.root)
}

/// Generates the whole client for `spec`: into one file when `folder` is `None`, otherwise the
/// root file and one file per category in `folder` beside it, which the root includes
/// ([`HostCrate::category_files`]).
pub fn generate_files(
    api: &Api,
    host: &HostCrate,
    folder: Option<&str>,
) -> Result<Generated, String> {
    let runtime_api = contract::runtime_api(&api.description.name)?;
    let runtime = rust_path(&host.runtime_path, "runtime")?;
    let hash = &api.hash;
    let users = type_users(api);
    let type_gate = |name: &str| host.gate(users.get(name).into_iter().flatten().copied());
    if let Some(Generated { root, files }) = models_alone(api, host, &users, &type_gate, folder)? {
        return Ok(Generated {
            root: quote! {
                // Unused when the enabled categories need no model.
                #[allow(unused_imports)]
                use #runtime as rt;
                #root
            },
            files,
        });
    }
    let models = match &host.models {
        ModelsLayout::ReexportedParts(paths) => {
            let paths = paths
                .iter()
                .map(|path| rust_path(path, "models"))
                .collect::<Result<Vec<_>, String>>()?;
            // A part holds nothing when none of its categories is on: its glob is then unused.
            quote! {
                #[doc = " The request and response models of every category."]
                pub mod models {
                    #(
                        #[allow(unused_imports)]
                        pub use #paths::*;
                    )*
                }
            }
        }
        ModelsLayout::Reexported(path) => {
            let path = rust_path(path, "models")?;
            // No doc of its own: rustdoc shows the models module's, which says what it is.
            quote! {
                pub use #path as models;
            }
        }
        // `Module`; the layouts of models alone returned above.
        _ => models::module(api, &type_gate),
    };
    // A category without operations only holds models other categories share (Fabric's
    // `shared`): no module, accessor or feature of its own.
    let with_operations = api.categories.iter();
    let mut categories = Vec::new();
    let mut files = Vec::new();
    for category in with_operations.filter(|category| !category.operations.is_empty()) {
        let gate = host.gate([category.name.as_str()]);
        let parts = operations::module_parts(api, &runtime_api, category);
        let module = match folder {
            Some(folder) => {
                parts.into_module(|body| category_file(folder, &category.name, body, &mut files))
            }
            None => parts.into_module(|body| body),
        };
        categories.push(quote!(#gate #module));
    }
    let records = api.categories.iter().flat_map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let gate = host.gate([category.name.as_str()]);
        category.operations.iter().map(move |operation| {
            let record = Ident::new(&naming::screaming(&operation.name), Span::call_site());
            quote!(#gate &#module::operations::#record)
        })
    });
    let accessors = accessors(api, host, &runtime_api.client);
    let root = quote! {
        use #runtime as rt;

        #[doc = " SHA-256 of the spec files this code was generated from."]
        pub const SPEC_HASH: &str = #hash;

        #[doc = " Every generated operation with its permissions, paging and long-running facts:"]
        #[doc = " compute the least-privilege scopes for the operations you use from it."]
        pub static OPERATIONS: &[&rt::Operation] = &[#(#records),*];

        #accessors
        #models
        #(#categories)*
    };
    Ok(Generated { root, files })
}

/// Which categories use each model or enum, for the feature gates. Types no operation reaches
/// (request models of forms the spec cannot call yet) are compiled with every category, and so
/// is everything they use.
fn type_users(api: &Api) -> BTreeMap<String, Vec<&str>> {
    let reached = crate::select::reached_types(api, &api.categories);
    let orphans: Vec<String> = api
        .models
        .iter()
        .map(|model| &model.name)
        .chain(api.enums.iter().map(|item| &item.name))
        .filter(|name| !reached.contains(*name))
        .cloned()
        .collect();
    let shared = crate::select::closure(api, orphans);
    let mut users: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let with_operations = api.categories.iter();
    for category in with_operations.filter(|category| !category.operations.is_empty()) {
        for name in crate::select::reached_types(api, [category])
            .into_iter()
            .chain(shared.iter().cloned())
        {
            let entry = users.entry(name).or_default();
            if !entry.contains(&category.name.as_str()) {
                entry.push(&category.name);
            }
        }
    }
    users
}

/// The category accessors of the API's client (`client.datasets()` on `PowerBiClient`,
/// `client.fabric().workspaces()` on `FabricClient`): inherent methods inside `powerbi`, a
/// `CategoryClients` trait in a crate that generates its own subset.
fn accessors(api: &Api, host: &HostCrate, client_type: &Ident) -> TokenStream {
    let with_operations = api.categories.iter();
    let with_operations = with_operations.filter(|category| !category.operations.is_empty());
    let accessors = with_operations.map(|category| {
        let module = Ident::new(&category.name, Span::call_site());
        let client = operations::client_name(category);
        let doc = format!(" The {} operations.", category.title);
        let gate = host.gate([category.name.as_str()]);
        (
            quote!(#gate #[doc = #doc]),
            quote!(fn #module(&self) -> #module::#client<'_>),
            quote!(#module::#client::new(self)),
        )
    });
    if host.inherent_accessors {
        let methods = accessors.map(|(doc, signature, body)| quote!(#doc pub #signature { #body }));
        quote! {
            impl rt::#client_type {
                #(#methods)*
            }
        }
    } else {
        let signatures = accessors
            .clone()
            .map(|(doc, signature, _)| quote!(#doc #signature;));
        let methods = accessors.map(|(doc, signature, body)| quote!(#doc #signature { #body }));
        let doc = format!(" The generated categories' clients, as methods of `{client_type}`.");
        quote! {
            #[doc = #doc]
            pub trait CategoryClients {
                #(#signatures)*
            }
            impl CategoryClients for rt::#client_type {
                #(#methods)*
            }
        }
    }
}

/// The items of a file that holds models alone ([`ModelsLayout::Alone`], one
/// [`ModelsLayout::Part`] or the [`ModelsLayout::SharedPart`]), without the runtime's `use`;
/// `None` for a layout with clients. With a `folder`, the root includes a file per category
/// there, with the models only that category uses, and `several-categories.rs`, with those
/// several use.
fn models_alone(
    api: &Api,
    host: &HostCrate,
    users: &BTreeMap<String, Vec<&str>>,
    gate: &dyn Fn(&str) -> TokenStream,
    folder: Option<&str>,
) -> Result<Option<Generated>, String> {
    // Which placement to keep, of how many parts; `None` keeps every model.
    let (wanted, shared) = match &host.models {
        ModelsLayout::Alone => (None, None),
        ModelsLayout::Part { index, of, shared } => (
            Some((partition::Placement::Part(*index), *of)),
            Some(rust_path(shared, "shared models")?),
        ),
        ModelsLayout::SharedPart { of } => (Some((partition::Placement::Shared, *of)), None),
        ModelsLayout::Module | ModelsLayout::Reexported(_) | ModelsLayout::ReexportedParts(_) => {
            return Ok(None);
        }
    };
    let placements = wanted
        .map(|(_, of)| partition::placements(api, users, of))
        .unwrap_or_default();
    let keep =
        |name: &str| wanted.is_none_or(|(placement, _)| placements.get(name) == Some(&placement));
    // A part reaches the models it shares with the others.
    let shared = shared.map(|path| {
        quote! {
            #[allow(unused_imports)]
            use #path::*;
        }
    });
    let Some(folder) = folder else {
        let items = models::items(api, gate, &keep);
        return Ok(Some(Generated {
            root: quote! { #shared #items },
            files: Vec::new(),
        }));
    };
    // Each type into its category's file, or `several-categories.rs` when several categories
    // use it; the files in the categories' order, that one last.
    let position = |category: &str| {
        api.categories
            .iter()
            .position(|known| known.name == category)
            .unwrap_or(usize::MAX)
    };
    let mut grouped: BTreeMap<(usize, &str), Vec<TokenStream>> = BTreeMap::new();
    let mut common_users = std::collections::BTreeSet::new();
    for (name, item) in models::named_items(api, gate, &keep) {
        let used_by = users.get(name).map(Vec::as_slice).unwrap_or_default();
        let file = match used_by {
            [one] => (position(one), *one),
            several => {
                common_users.extend(
                    several
                        .iter()
                        .map(|category| (position(category), *category)),
                );
                (usize::MAX, COMMON_FILE)
            }
        };
        grouped.entry(file).or_default().push(item);
    }
    let mut includes = Vec::new();
    let mut files = Vec::new();
    for ((_, file), items) in grouped {
        let gate = if file == COMMON_FILE {
            host.gate(common_users.iter().map(|(_, category)| *category))
        } else {
            host.gate([file])
        };
        let include = category_file(folder, file, quote!(#(#items)*), &mut files);
        includes.push(quote!(#gate #include));
    }
    Ok(Some(Generated {
        root: quote! { #shared #(#includes)* },
        files,
    }))
}

/// The `include!` of the file `<name>.rs` of `folder`, which `body` becomes in `files`.
fn category_file(
    folder: &str,
    name: &str,
    body: TokenStream,
    files: &mut Vec<(String, TokenStream)>,
) -> TokenStream {
    let file = format!("{name}.rs");
    let path = format!("{folder}/{file}");
    files.push((file, body));
    quote!(include!(#path);)
}

/// `path` as a Rust path, or an error naming `what` it is the path of.
fn rust_path(path: &str, what: &str) -> Result<syn::Path, String> {
    syn::parse_str(path)
        .map_err(|error| format!("{what} path '{path}' is not a Rust path: {error}"))
}

/// Generates the example dispatch for `spec` (module `examples`): a file of its own, compiled
/// into the tests that drive it, reaching the test support at `support_path`.
pub fn generate_example_dispatch(api: &Api, support_path: &str) -> Result<TokenStream, String> {
    let support = rust_path(support_path, "example support")?;
    Ok(examples::dispatch(api, &support))
}

/// The Rust type of a spec type. `in_category` selects `models::Name` over `Name`.
pub(crate) fn rust_type(ty: &TypeRef, in_category: bool) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::Integer => quote!(i64),
        TypeRef::Int32 => quote!(i32),
        TypeRef::Number => quote!(f64),
        TypeRef::Uuid => quote!(rt::Uuid),
        TypeRef::DateTime => quote!(rt::DateTime),
        TypeRef::Json => quote!(rt::JsonValue),
        TypeRef::List(item) => {
            let item = rust_type(item, in_category);
            quote!(Vec<#item>)
        }
        TypeRef::Map(item) => {
            let item = rust_type(item, in_category);
            quote!(::std::collections::BTreeMap<String, #item>)
        }
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            let name = Ident::new(name, Span::call_site());
            if in_category {
                quote!(models::#name)
            } else {
                quote!(#name)
            }
        }
    }
}

/// Formats tokens as a Rust file with the `@generated` header.
pub fn format(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|error| {
        format!("the generator produced invalid Rust (a bug in powerbi-codegen): {error}")
    })?;
    Ok(format!(
        "// @generated by powerbi-codegen {} from the curated spec. DO NOT EDIT: edit the spec and rebuild.\n{}",
        env!("CARGO_PKG_VERSION"),
        prettyplease::unparse(&file)
    ))
}
