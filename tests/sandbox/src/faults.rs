//! Fault mode: throttling, server errors, lost answers and slow answers, injected into the
//! Power BI API (`/v1.0/...`) and the Fabric API (`/v1/...`, errors in Fabric's shape) from a
//! seeded schedule, so a test knows exactly which request gets which.
//!
//! Every API request (not the token endpoint) that matches the plan's endpoint filter takes
//! the next index of the schedule, counted from 0; [`FaultPlan::fault_at`] says what that
//! index gets. Faults marked *before* never reach the handler (nothing happened); faults
//! marked *after* let the handler run (a refresh starts, a workspace is created) and then
//! lose or replace the answer, as a proxy failing on the way back would.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `Retry-After: seconds`, before the handler.
    Throttle {
        /// The `Retry-After` value.
        retry_after: u64,
    },
    /// 503 before the handler (the service refused the request).
    Unavailable,
    /// 500 after the handler ran (the work may be done; the answer says otherwise).
    ServerError,
    /// The handler ran, then the connection drops while the answer's body is sent.
    Reset,
    /// The answer is delayed by the plan's slow delay (the request succeeds).
    Slow,
}

impl Fault {
    /// Whether the handler ran before the fault (its side effect happened).
    pub fn after_handler(self) -> bool {
        matches!(self, Fault::ServerError | Fault::Reset | Fault::Slow)
    }
}

/// A seeded fault schedule. Build with [`FaultPlan::new`], set on a running sandbox with
/// [`crate::Sandbox::set_faults`].
#[derive(Clone, Debug)]
pub struct FaultPlan {
    seed: u64,
    rate: f64,
    long_throttle_rate: f64,
    long_retry_after: u64,
    slow_delay: Duration,
    endpoints: Vec<(String, String)>,
    script: Option<Vec<Option<Fault>>>,
    /// Relative weights of throttle, unavailable, server error, reset and slow.
    weights: [u32; 5],
}

impl FaultPlan {
    /// Faults at `rate` (0 to 1) of matching requests, chosen from `seed`: of the faults,
    /// 40% are 429 (with `Retry-After` of 1 to 3 seconds), 20% 503, 15% 500, 15% lost
    /// answers and 10% slow answers (see [`FaultPlan::weights`]).
    pub fn new(seed: u64, rate: f64) -> Self {
        FaultPlan {
            seed,
            rate: rate.clamp(0.0, 1.0),
            long_throttle_rate: 0.0,
            long_retry_after: 3600,
            slow_delay: Duration::from_millis(5),
            endpoints: Vec::new(),
            script: None,
            weights: [40, 20, 15, 15, 10],
        }
    }

    /// How the faults divide among the kinds, as relative weights (default 40, 20, 15, 15,
    /// 10): 429, 503, 500, lost answers, slow answers. A weight of 0 turns a kind off.
    pub fn weights(
        mut self,
        throttle: u32,
        unavailable: u32,
        server_error: u32,
        reset: u32,
        slow: u32,
    ) -> Self {
        self.weights = [throttle, unavailable, server_error, reset, slow];
        self
    }

    /// A fixed schedule instead of a random one: the request at index `i` gets `faults[i]`,
    /// and every request after the list none.
    pub fn script(faults: impl IntoIterator<Item = Option<Fault>>) -> Self {
        FaultPlan {
            script: Some(faults.into_iter().collect()),
            ..FaultPlan::new(0, 0.0)
        }
    }

    /// Of the 429s, this share (0 to 1) asks for `retry_after` seconds instead (a long,
    /// admin-API style throttle a client should hand back to its caller).
    pub fn long_throttles(mut self, share: f64, retry_after: u64) -> Self {
        self.long_throttle_rate = share.clamp(0.0, 1.0);
        self.long_retry_after = retry_after;
        self
    }

    /// How long a slow answer is delayed (default 5 ms).
    pub fn slow_delay(mut self, delay: Duration) -> Self {
        self.slow_delay = delay;
        self
    }

    /// Limits faults to requests with `method` whose path starts with `path_prefix` (may be
    /// called several times; without it every API request is eligible).
    pub fn endpoint(mut self, method: &str, path_prefix: &str) -> Self {
        self.endpoints
            .push((method.to_ascii_uppercase(), path_prefix.to_owned()));
        self
    }

    /// Whether a request is eligible for faults (and takes an index of the schedule).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        (path.starts_with("/v1.0/") || path.starts_with("/v1/"))
            && (self.endpoints.is_empty()
                || self.endpoints.iter().any(|(wanted, prefix)| {
                    wanted.eq_ignore_ascii_case(method) && path.starts_with(prefix.as_str())
                }))
    }

    /// The fault of the request at `index` of the schedule, if any. A pure function of the
    /// seed, so a test can predict every outcome.
    pub fn fault_at(&self, index: u64) -> Option<Fault> {
        if let Some(script) = &self.script {
            return usize::try_from(index)
                .ok()
                .and_then(|index| script.get(index).copied().flatten());
        }
        let mut random = Mix(self.seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if random.fraction() >= self.rate {
            return None;
        }
        let total: u64 = self.weights.iter().map(|weight| u64::from(*weight)).sum();
        if total == 0 {
            return None;
        }
        let mut pick = random.next() % total;
        let mut kind = 0;
        while pick >= u64::from(self.weights[kind]) {
            pick -= u64::from(self.weights[kind]);
            kind += 1;
        }
        Some(if kind == 0 {
            let retry_after = if random.fraction() < self.long_throttle_rate {
                self.long_retry_after
            } else {
                1 + random.next() % 3
            };
            Fault::Throttle { retry_after }
        } else if kind == 1 {
            Fault::Unavailable
        } else if kind == 2 {
            Fault::ServerError
        } else if kind == 3 {
            Fault::Reset
        } else {
            Fault::Slow
        })
    }
}

/// splitmix64.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The fault state of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    plan: Mutex<Option<FaultPlan>>,
    next: AtomicU64,
    injected: Mutex<Vec<(u64, Fault)>>,
    /// Cluster routing: API requests addressed to the host on the left are answered
    /// `307 Temporary Redirect` to the same path and query on the base on the right.
    redirects: Mutex<Vec<(String, String)>>,
    /// Per API request: the `Host` it was addressed to and whether it carried a bearer.
    hosts: Mutex<Vec<(String, bool)>>,
}

impl Faults {
    pub(crate) fn set(&self, plan: Option<FaultPlan>) {
        *self.plan.lock().unwrap_or_else(PoisonError::into_inner) = plan;
        self.next.store(0, Ordering::SeqCst);
        self.injected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn redirect(&self, from_host: &str, to_base: &str) {
        self.redirects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((
                from_host.to_ascii_lowercase(),
                to_base.trim_end_matches('/').to_owned(),
            ));
    }

    fn redirect_for(&self, request: &Request) -> Option<String> {
        if !request.uri().path().starts_with("/v1.0/") {
            return None;
        }
        let host = request
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|value| value.to_str().ok())
            .or_else(|| request.uri().host())?;
        let host = host.rsplit_once(':').map_or(host, |(name, _)| name);
        let redirects = self
            .redirects
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (_, base) = redirects
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(host))?;
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |path| path.as_str());
        Some(format!("{base}{path}"))
    }

    pub(crate) fn hosts(&self) -> Vec<(String, bool)> {
        self.hosts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn note_host(&self, request: &Request) {
        if !request.uri().path().starts_with("/v1.0/") {
            return;
        }
        let host = request
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bearer = request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("Bearer "));
        self.hosts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((host, bearer));
    }

    pub(crate) fn injected(&self) -> Vec<(u64, Fault)> {
        self.injected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The fault for this request, taking the next index when the request is eligible.
    fn draw(&self, method: &str, path: &str) -> Option<(Fault, Duration)> {
        let plan = self.plan.lock().unwrap_or_else(PoisonError::into_inner);
        let plan = plan.as_ref()?;
        if !plan.matches(method, path) {
            return None;
        }
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        let fault = plan.fault_at(index)?;
        self.injected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, fault));
        Some((fault, plan.slow_delay))
    }
}

/// Middleware injecting the planned faults of `faults`.
pub(crate) async fn inject(
    State(faults): State<Arc<Faults>>,
    request: Request,
    next: Next,
) -> Response {
    faults.note_host(&request);
    if let Some(location) = faults.redirect_for(&request) {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response
                .headers_mut()
                .insert(axum::http::header::LOCATION, value);
        }
        response
            .headers_mut()
            .insert("request-redirected", HeaderValue::from_static("true"));
        return response;
    }
    let Some((fault, slow)) = faults.draw(request.method().as_str(), request.uri().path()) else {
        return next.run(request).await;
    };
    if request.uri().path().starts_with("/v1/") {
        return fabric_fault(fault, slow, request, next).await;
    }
    match fault {
        Fault::Throttle { retry_after } => {
            let body = format!(
                r#"{{"message":"You have exceeded the amount of requests allowed in the current time frame and further requests will fail. Retry in {retry_after} seconds."}}"#
            );
            let mut response = json(StatusCode::TOO_MANY_REQUESTS, body);
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert("Retry-After", value);
            }
            response
        }
        Fault::Unavailable => json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}"#.to_owned(),
        ),
        Fault::ServerError => {
            let _ = next.run(request).await;
            json(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"Message":"An error has occurred."}"#.to_owned(),
            )
        }
        Fault::Reset => {
            let answer = next.run(request).await;
            let (parts, _) = answer.into_parts();
            let mut response = Response::from_parts(parts, broken_body());
            response.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
            response
        }
        Fault::Slow => {
            tokio::time::sleep(slow).await;
            next.run(request).await
        }
    }
}

/// A fault on a Fabric route: the same faults, errors in Fabric's shape.
async fn fabric_fault(fault: Fault, slow: Duration, request: Request, next: Next) -> Response {
    use crate::wire::{fabric_error_body as error_body, fabric_error_response as error_response};
    let request_id = uuid::Uuid::new_v4();
    let error = |status: StatusCode, code: &str, message: &str| {
        error_response(
            status,
            error_body(code, message, request_id, None, true),
            request_id,
        )
    };
    match fault {
        Fault::Throttle { retry_after } => {
            let message = format!(
                "The request was throttled: too many requests. Retry in {retry_after} seconds."
            );
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "RequestBlocked", &message);
            response
                .headers_mut()
                .insert("Retry-After", HeaderValue::from(retry_after));
            response
        }
        Fault::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The service is temporarily unavailable.",
        ),
        Fault::ServerError => {
            let _ = next.run(request).await;
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "An internal error occurred.",
            )
        }
        Fault::Reset => {
            let answer = next.run(request).await;
            let (parts, _) = answer.into_parts();
            let mut response = Response::from_parts(parts, broken_body());
            response
                .headers_mut()
                .remove(axum::http::header::CONTENT_LENGTH);
            response
        }
        Fault::Slow => {
            tokio::time::sleep(slow).await;
            next.run(request).await
        }
    }
}

/// A body that fails at once: the server drops the connection mid-answer.
fn broken_body() -> Body {
    Body::from_stream(futures::stream::iter([Err::<axum::body::Bytes, _>(
        std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault injected: connection reset",
        ),
    )]))
}

fn json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_a_function_of_the_seed() {
        let plan = FaultPlan::new(7, 0.2).long_throttles(0.5, 3600);
        let again = FaultPlan::new(7, 0.2).long_throttles(0.5, 3600);
        let faults: Vec<_> = (0..10_000).map(|index| plan.fault_at(index)).collect();
        let same: Vec<_> = (0..10_000).map(|index| again.fault_at(index)).collect();
        assert_eq!(faults, same);
        let count = faults.iter().flatten().count();
        assert!((1_700..2_300).contains(&count), "{count} faults at 20%");
        for kind in [
            Fault::Unavailable,
            Fault::ServerError,
            Fault::Reset,
            Fault::Slow,
            Fault::Throttle { retry_after: 3600 },
        ] {
            assert!(faults.contains(&Some(kind)), "{kind:?} occurs");
        }
        let other: Vec<_> = (0..10_000)
            .map(|index| FaultPlan::new(8, 0.2).fault_at(index))
            .collect();
        assert_ne!(faults, other);
        assert!((0..100).all(|index| FaultPlan::new(1, 0.0).fault_at(index).is_none()));
        let only_slow = FaultPlan::new(3, 1.0).weights(0, 0, 0, 0, 1);
        assert!((0..100).all(|index| only_slow.fault_at(index) == Some(Fault::Slow)));
    }

    #[test]
    fn a_script_and_an_endpoint_filter() {
        let plan = FaultPlan::script([None, Some(Fault::Unavailable)])
            .endpoint("get", "/v1.0/myorg/groups");
        assert_eq!(plan.fault_at(0), None);
        assert_eq!(plan.fault_at(1), Some(Fault::Unavailable));
        assert_eq!(plan.fault_at(2), None);
        assert!(plan.matches("GET", "/v1.0/myorg/groups/x"));
        assert!(!plan.matches("POST", "/v1.0/myorg/groups"));
        assert!(!plan.matches("GET", "/tenant/oauth2/v2.0/token"));
    }
}
