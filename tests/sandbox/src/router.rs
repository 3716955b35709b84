//! The router of the whole sandbox: it assembles the handlers of both fake services and the
//! layers around them. Only `lib.rs` imports it, and no handler does.

use axum::Router;
use axum::middleware;

use crate::app::App;
use crate::{api, ci_oidc, entra, example_answers, fabric, faults, record, wire};

/// The whole service: the Entra token endpoint plus the Power BI API, with
/// Power BI's 404/405 answers and `RequestId` header for everything else.
///
/// Layers, outermost first: the recording layer sees every request as it arrived; Microsoft's
/// example answers take the operations the stateful routes do not model; then the stateful
/// routes and the 404/405 fallbacks.
pub(crate) fn router(app: App) -> Router {
    let power_bi = api::routes()
        .fallback(wire::route_not_found)
        .method_not_allowed_fallback(wire::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            example_answers::serve_unmodeled,
        ))
        .layer(middleware::from_fn_with_state(
            app.faults().clone(),
            faults::inject,
        ))
        .layer(middleware::map_response(wire::add_request_id));
    entra::routes()
        .merge(ci_oidc::routes())
        .merge(power_bi)
        .merge(fabric::router(&app))
        .layer(middleware::from_fn_with_state(
            app.recorder().clone(),
            record::record,
        ))
        .with_state(app)
}
