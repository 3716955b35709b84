//! The soak test: 2,000 calls, reads and writes mixed, against a sandbox failing 20% of API
//! requests from a seeded schedule. The schedule is a pure function of the seed, so the test
//! predicts every call's outcome exactly: success where the retry budget suffices, the right
//! error (with its `Retry-After`) elsewhere, and every side effect exactly once.

use std::time::Duration;

use powerbi::Error;
use powerbi::groups::{CreateGroupOptions, ListGroupsOptions};
use powerbi::models::GroupCreationRequest;
use powerbi::runtime::time::ManualClock;
use powerbi_sandbox::{Fault, FaultPlan, demo};

use crate::common::*;
use crate::resilience::{client_retrying, instant_policy};

const CALLS: usize = 2_000;
const SEED: u64 = 0x5EED_2026;
const MAX_ATTEMPTS: u32 = 5;
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    ListGroups,
    ListDatasets,
    Refresh,
    CreateGroup,
}

impl Call {
    fn nth(index: usize) -> Call {
        match index % 10 {
            0..=3 => Call::ListGroups,
            4 | 5 => Call::ListDatasets,
            6 | 7 => Call::Refresh,
            _ => Call::CreateGroup,
        }
    }

    fn idempotent(self) -> bool {
        matches!(self, Call::ListGroups | Call::ListDatasets)
    }

    fn writes(self) -> bool {
        !self.idempotent()
    }
}

/// What a call must end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Ok,
    Status(u16, Option<u64>),
    Lost,
}

/// Walks the schedule as the client's policy would, from schedule index `next`: the
/// expected outcome, the schedule entries the call consumed, and whether its side effect
/// happened.
fn predict(plan: &FaultPlan, next: &mut u64, call: Call) -> (Expected, bool) {
    let mut attempt = 1;
    let mut effect = false;
    loop {
        let fault = plan.fault_at(*next);
        *next += 1;
        let retry = |attempt: u32, allowed: bool| allowed && attempt < MAX_ATTEMPTS;
        match fault {
            None | Some(Fault::Slow) => return (Expected::Ok, true),
            Some(Fault::Throttle { retry_after }) => {
                let wait = Duration::from_secs(retry_after);
                if wait > RETRY_AFTER_CAP || !retry(attempt, true) {
                    return (Expected::Status(429, Some(retry_after)), effect);
                }
            }
            Some(Fault::Unavailable) => {
                if !retry(attempt, call.idempotent()) {
                    return (Expected::Status(503, None), effect);
                }
            }
            Some(Fault::ServerError) => {
                effect = true;
                if !retry(attempt, call.idempotent()) {
                    return (Expected::Status(500, None), effect);
                }
            }
            Some(Fault::Reset) => {
                effect = true;
                if !retry(attempt, call.idempotent()) {
                    return (Expected::Lost, effect);
                }
            }
        }
        attempt += 1;
    }
}

fn outcome<T>(result: powerbi::Result<T>) -> Expected {
    match result {
        Ok(_) => Expected::Ok,
        Err(Error::Api(api)) => {
            Expected::Status(api.status, api.retry_after.map(|wait| wait.as_secs()))
        }
        Err(Error::Transport { .. } | Error::Timeout { .. }) => Expected::Lost,
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[tokio::test]
async fn two_thousand_calls_at_a_twenty_percent_fault_rate() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(
        &sandbox,
        instant_policy(&clock)
            .max_attempts(MAX_ATTEMPTS)
            .max_retry_after(RETRY_AFTER_CAP)
            .budget(Duration::from_secs(600)),
    );
    // Sign in before the faults start: the token endpoint is never faulted anyway.
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("warm-up");
    let plan = FaultPlan::new(SEED, 0.20)
        .long_throttles(0.05, 3600)
        .slow_delay(Duration::from_millis(1));
    sandbox.set_faults(Some(plan.clone()));

    let refreshes_before = sandbox.refreshes_started();
    let workspaces_before = sandbox.workspaces_created();
    let mut next = 0u64;
    let mut expected_refreshes = 0u64;
    let mut expected_workspaces = 0u64;
    let (mut succeeded, mut failed, mut throttled_long) = (0usize, 0usize, 0usize);
    for index in 0..CALLS {
        let call = Call::nth(index);
        let (expected, effect) = predict(&plan, &mut next, call);
        let actual = match call {
            Call::ListGroups => outcome(
                client
                    .groups()
                    .list_groups(ListGroupsOptions::default())
                    .await,
            ),
            Call::ListDatasets => outcome(client.datasets().list_datasets(sales()).await),
            Call::Refresh => outcome(
                client
                    .datasets()
                    .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
                    .await,
            ),
            Call::CreateGroup => {
                let request = GroupCreationRequest {
                    name: format!("Soak {index}"),
                    ..Default::default()
                };
                outcome(
                    client
                        .groups()
                        .create_group(&request, CreateGroupOptions::default())
                        .await,
                )
            }
        };
        assert_eq!(actual, expected, "call {index} ({call:?})");
        if call.writes() && effect {
            match call {
                Call::Refresh => expected_refreshes += 1,
                Call::CreateGroup => expected_workspaces += 1,
                _ => {}
            }
        }
        match expected {
            Expected::Ok => succeeded += 1,
            Expected::Status(429, Some(wait)) if wait > RETRY_AFTER_CAP.as_secs() => {
                throttled_long += 1;
                failed += 1;
            }
            _ => failed += 1,
        }
    }
    assert_eq!(
        sandbox.faults_injected().len() as u64,
        (0..next)
            .filter(|index| plan.fault_at(*index).is_some())
            .count() as u64,
        "every predicted fault was injected, and no other"
    );
    assert_eq!(
        sandbox.refreshes_started() - refreshes_before,
        expected_refreshes,
        "no refresh started twice"
    );
    assert_eq!(
        sandbox.workspaces_created() - workspaces_before,
        expected_workspaces,
        "no workspace created twice"
    );
    // The run is meaningful: most calls survive their faults, some hand back a long throttle.
    let faults = sandbox.faults_injected().len();
    assert!(faults >= CALLS / 10, "{faults} faults");
    assert!(
        succeeded > CALLS * 9 / 10,
        "{succeeded} succeeded, {failed} failed"
    );
    assert!(
        throttled_long > 0,
        "a long Retry-After came back to the caller"
    );
}
