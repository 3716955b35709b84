//! A crate that generated only `groups` and `datasets` from its own build.rs calls the sandbox.
//!
//! The calls go through the subset's `CategoryClients` trait explicitly: `powerbi` itself also
//! has `client.groups()`, and an inherent method would win over the trait's.

use powerbi_sandbox::demo;
use powerbi_subset_example::CategoryClients;

use crate::common::*;

#[tokio::test]
async fn a_generated_subset_calls_the_sandbox() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let groups = CategoryClients::groups(&client)
        .list_groups(Default::default())
        .await
        .expect("subset groups");
    assert!(
        groups
            .iter()
            .any(|group| group.id == id(demo::SALES_WORKSPACE_ID))
    );
    let datasets = CategoryClients::datasets(&client)
        .list_datasets(sales())
        .await
        .expect("subset datasets");
    assert!(
        datasets
            .iter()
            .any(|dataset| dataset.id == demo::SALES_DATASET_ID)
    );
    let names: Vec<&str> = powerbi_subset_example::OPERATIONS
        .iter()
        .map(|operation| operation.category)
        .collect();
    assert!(
        names
            .iter()
            .all(|category| *category == "groups" || *category == "datasets")
    );
}
