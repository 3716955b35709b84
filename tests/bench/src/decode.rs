//! 4. Decode throughput: a large activity-events page and a large scanner result, decoded by
//!    the runtime's `decode_json` (what every call runs on its answer) against
//!    `serde_json::from_slice` into the same generated types and into `serde_json::Value`.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Ctx;
use crate::measure::{Outcome, Paired, alternate, ratio, timed};
use crate::report::{Row, Section};

const GOAL: f64 = 0.95;

/// The runtime's own decoding of an answer (`Response::decode` calls it).
fn runtime_decode<T: DeserializeOwned>(body: &[u8]) -> Outcome<T> {
    powerbi::runtime::decode_json("bench", body).map_err(|e| e.to_string())
}

fn direct<T: DeserializeOwned>(body: &[u8]) -> Outcome<T> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

/// A deterministic stream of pseudo-random numbers (xorshift), so every run decodes the same
/// bytes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn time(&mut self) -> String {
        let second = self.next() % 86_400;
        format!(
            "2026-11-27T{:02}:{:02}:{:02}.{:03}Z",
            second / 3600,
            (second / 60) % 60,
            second % 60,
            self.next() % 1000
        )
    }
}

const ACTIVITIES: &[&str] = &[
    "ViewReport",
    "ViewDashboard",
    "ExportReport",
    "RefreshDataset",
    "GetGroupsAsAdmin",
    "ShareReport",
    "GenerateEmbedToken",
];
const DATA_TYPES: [&str; 4] = ["String", "Int64", "DateTime", "Double"];
const USERS: &[&str] = &[
    "avery@contoso.com",
    "blake@contoso.com",
    "casey@contoso.com",
    "devon@contoso.com",
    "emery@contoso.com",
];

/// `count` audit events as Power BI sends them (`GetActivityEvents`).
pub fn activity_events(count: usize) -> Vec<Value> {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let workspaces: Vec<String> = (0..40).map(|_| random.uuid()).collect();
    (0..count)
        .map(|_| {
            let activity = random.pick(ACTIVITIES);
            let workspace = &workspaces[(random.next() % 40) as usize];
            json!({
                "Id": random.uuid(),
                "RecordType": 20,
                "CreationTime": random.time(),
                "Operation": activity,
                "OrganizationId": "8533afa0-8f04-4be7-81b8-f80742b6bb3d",
                "UserType": 0,
                "UserKey": format!("1003200{:09}", random.next() % 1_000_000_000),
                "Workload": "PowerBI",
                "UserId": random.pick(USERS),
                "ClientIP": format!("10.{}.{}.{}", random.next() % 256, random.next() % 256, random.next() % 256),
                "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Activity": activity,
                "ItemName": "Sales Overview",
                "WorkSpaceName": "Sales Analytics",
                "DatasetName": "Sales",
                "ReportName": "Sales Overview",
                "CapacityId": "0f084df7-c13d-451b-af5f-ed0c466403b2",
                "CapacityName": "Contoso P1",
                "WorkspaceId": workspace,
                "ObjectId": "Sales Overview",
                "DatasetId": random.uuid(),
                "ReportId": random.uuid(),
                "ArtifactId": random.uuid(),
                "ArtifactName": "Sales Overview",
                "IsSuccess": true,
                "ReportType": "PowerBIReport",
                "RequestId": random.uuid(),
                "ActivityId": random.uuid(),
                "DistributionMethod": "Workspace",
                "ConsumptionMethod": "Power BI Web",
                "ArtifactKind": "Report",
                "RefreshEnforcementPolicy": 0
            })
        })
        .collect()
}

/// A page of `count` audit events with a continuation, as Power BI sends it.
pub fn activity_page(count: usize) -> Vec<u8> {
    let events = activity_events(count);
    serde_json::to_vec(&json!({
        "activityEventEntities": events,
        "continuationUri": "https://api.powerbi.com/v1.0/myorg/admin/activityevents?continuationToken='LDMxMTA5NjQ0NQ%3D%3D'",
        "continuationToken": "LDMxMTA5NjQ0NQ%3D%3D",
        "lastResultSet": false
    }))
    .unwrap_or_default()
}

fn user(random: &mut Random, right_key: &str, right: &str) -> Value {
    let name = random.pick(USERS);
    json!({
        right_key: right,
        "emailAddress": name,
        "displayName": name.split('@').next().unwrap_or(name),
        "identifier": name,
        "graphId": random.uuid(),
        "principalType": "User",
        "userType": "Member"
    })
}

/// A scanner result (`GetScanResult`) for `workspaces` workspaces, each with reports,
/// dashboards, datasets with tables, columns and measures, a dataflow and users.
pub fn scan_result(workspaces: usize) -> Vec<u8> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let datasources: Vec<String> = (0..20).map(|_| random.uuid()).collect();
    let label = random.uuid();
    let workspaces: Vec<Value> = (0..workspaces)
        .map(|w| {
            let datasets: Vec<(String, Value)> = (0..3)
                .map(|d| {
                    let id = random.uuid();
                    let tables: Vec<Value> = (0..6)
                        .map(|t| {
                            json!({
                                "name": format!("Table {t}"),
                                "isHidden": false,
                                "columns": (0..10).map(|c| json!({
                                    "name": format!("Column {c}"),
                                    "dataType": DATA_TYPES[c % 4],
                                    "isHidden": c % 7 == 6,
                                    "columnType": "Data"
                                })).collect::<Vec<_>>(),
                                "measures": (0..4).map(|m| json!({
                                    "name": format!("Measure {m}"),
                                    "expression": format!("SUM('Table {t}'[Column {m}])"),
                                    "isHidden": false
                                })).collect::<Vec<_>>(),
                                "source": [{ "expression": format!("let\n    Source = Sql.Database(\"sql.contoso.com\", \"Sales\"),\n    T = Source{{[Schema=\"dbo\",Item=\"Table{t}\"]}}[Data]\nin\n    T") }]
                            })
                        })
                        .collect();
                    let value = json!({
                        "id": id,
                        "name": format!("Dataset {w}.{d}"),
                        "tables": tables,
                        "expressions": [{ "name": "Server", "expression": "\"sql.contoso.com\" meta [IsParameterQuery=true, Type=\"Text\"]" }],
                        "configuredBy": random.pick(USERS),
                        "configuredById": random.uuid(),
                        "isEffectiveIdentityRequired": false,
                        "isEffectiveIdentityRolesRequired": false,
                        "targetStorageMode": "Import",
                        "createdDate": random.time(),
                        "contentProviderType": "PbixInImportMode",
                        "datasourceUsages": [{ "datasourceInstanceId": datasources[(random.next() % 20) as usize] }],
                        "endorsementDetails": { "endorsement": "Promoted", "certifiedBy": "" },
                        "sensitivityLabel": { "labelId": label },
                        "users": [user(&mut random, "datasetUserAccessRight", "ReadWriteReshareExplore")]
                    });
                    (id, value)
                })
                .collect();
            let reports: Vec<Value> = (0..4)
                .map(|r| {
                    json!({
                        "reportType": "PowerBIReport",
                        "id": random.uuid(),
                        "name": format!("Report {w}.{r}"),
                        "datasetId": datasets[r % 3].0,
                        "createdDateTime": random.time(),
                        "modifiedDateTime": random.time(),
                        "modifiedBy": random.pick(USERS),
                        "createdBy": random.pick(USERS),
                        "modifiedById": random.uuid(),
                        "createdById": random.uuid(),
                        "endorsementDetails": { "endorsement": "Certified", "certifiedBy": "BI team" },
                        "sensitivityLabel": { "labelId": label },
                        "users": [user(&mut random, "reportUserAccessRight", "Owner")]
                    })
                })
                .collect();
            let dashboards: Vec<Value> = (0..2)
                .map(|d| {
                    json!({
                        "id": random.uuid(),
                        "displayName": format!("Dashboard {w}.{d}"),
                        "isReadOnly": false,
                        "tiles": (0..3).map(|t| json!({
                            "id": random.uuid(),
                            "title": format!("Tile {t}"),
                            "reportId": random.uuid(),
                            "datasetId": datasets[t % 3].0
                        })).collect::<Vec<_>>(),
                        "sensitivityLabel": { "labelId": label },
                        "users": []
                    })
                })
                .collect();
            json!({
                "id": random.uuid(),
                "name": format!("Workspace {w}"),
                "type": "Workspace",
                "state": "Active",
                "isOnDedicatedCapacity": true,
                "capacityId": "0F084DF7-C13D-451B-AF5F-ED0C466403B2",
                "defaultDatasetStorageFormat": "Small",
                "reports": reports,
                "dashboards": dashboards,
                "datasets": datasets.into_iter().map(|(_, value)| value).collect::<Vec<_>>(),
                "dataflows": [{
                    "objectId": random.uuid(),
                    "name": format!("Dataflow {w}"),
                    "description": "",
                    "configuredBy": random.pick(USERS),
                    "modifiedBy": random.pick(USERS),
                    "modifiedDateTime": random.time(),
                    "datasourceUsages": [{ "datasourceInstanceId": datasources[(random.next() % 20) as usize] }]
                }],
                "datamarts": [],
                "users": (0..5).map(|_| user(&mut random, "groupUserAccessRight", "Member")).collect::<Vec<_>>()
            })
        })
        .collect();
    let instances: Vec<Value> = datasources
        .iter()
        .map(|id| {
            json!({
                "datasourceType": "Sql",
                "connectionDetails": { "server": "sql.contoso.com", "database": "Sales" },
                "datasourceId": id,
                "gatewayId": "7f1c4e55-544b-403f-b132-da0d3a024674"
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "workspaces": workspaces,
        "datasourceInstances": instances,
        "misconfiguredDatasourceInstances": []
    }))
    .unwrap_or_default()
}

pub fn run(ctx: &Ctx) -> Section {
    let mut section = Section::default();
    let (events, workspaces, rounds) = if ctx.quick {
        (2_000, 40, 3)
    } else {
        (10_000, 400, 21)
    };
    let page = activity_page(events);
    let scan = scan_result(workspaces);
    let cases: [(&str, &str, String, &[u8], Decoders); 2] = [
        (
            "4a",
            "4b",
            format!(
                "decode an activity-events page ({events} events, {:.1} MB) into `models::ActivityEventResponse`",
                page.len() as f64 / 1e6
            ),
            &page,
            decoders::<powerbi::models::ActivityEventResponse>(),
        ),
        (
            "4c",
            "4d",
            format!(
                "decode a scanner result ({workspaces} workspaces × 4 reports, 2 dashboards, 3 datasets × 6 tables × 10 columns; {:.1} MB) into `models::WorkspaceInfoResponse`",
                scan.len() as f64 / 1e6
            ),
            &scan,
            decoders::<powerbi::models::WorkspaceInfoResponse>(),
        ),
    ];
    for (id, value_id, measure, body, decoders) in cases {
        match measure_case(body, &decoders, rounds) {
            Ok((typed, value)) => {
                let mb = body.len() as f64 / 1e6;
                let throughput = |seconds: f64| format!("{:.0} MB/s", mb / seconds);
                section.rows.push(
                    Row::new(id, measure.clone())
                        .ours(format!("`runtime::decode_json`: {}", throughput(typed.a)))
                        .baseline(format!("`serde_json::from_slice` into the same type: {}", throughput(typed.b)))
                        .ratio(format!("throughput {} ({}–{} across {} rounds)", ratio(1.0 / typed.ratio), fmt(1.0 / typed.ratio_max), fmt(1.0 / typed.ratio_min), typed.rounds))
                        .goal(format!("≥ {GOAL}"))
                        .met_if(
                            1.0 / typed.ratio >= GOAL,
                            "the runtime decodes with plain serde_json and finds the JSON path of what did not fit \
                             only after a failure, so a slower figure is noise or a regression of that fast path",
                        ),
                );
                section.rows.push(
                    Row::new(
                        value_id,
                        "the same bytes into `serde_json::Value`, for scale",
                    )
                    .ours(format!(
                        "generated type, runtime decode: {}",
                        throughput(value.a)
                    ))
                    .baseline(format!("`serde_json::Value`: {}", throughput(value.b)))
                    .ratio(format!("throughput {}", ratio(1.0 / value.ratio))),
                );
            }
            Err(error) => section.rows.push(Row::failed(id, measure, error)),
        }
    }
    section.notes.push(
        "Decode: the bench calls the runtime's public `powerbi::runtime::decode_json`, which every call's \
         `Response::decode` runs on its answer (plain serde_json; only after a failure, the answer written out again \
         and decoded once more by the same decoder, whose stopping column names the JSON path in the error), in-process on the same bytes. No HTTP is involved; throughput is bytes of JSON per second of decoding. \
         The data are built in the bench (realistic keys and values after Microsoft's samples, fixed seed)."
            .to_owned(),
    );
    section
}

fn fmt(value: f64) -> String {
    format!("{value:.2}")
}

type Decode = fn(&[u8]) -> Outcome<()>;

struct Decoders {
    runtime: Decode,
    direct: Decode,
    value: Decode,
}

fn decoders<T: DeserializeOwned>() -> Decoders {
    Decoders {
        runtime: |body| runtime_decode::<T>(body).map(|v| drop(std::hint::black_box(v))),
        direct: |body| direct::<T>(body).map(|v| drop(std::hint::black_box(v))),
        value: |body| direct::<Value>(body).map(|v| drop(std::hint::black_box(v))),
    }
}

/// (runtime vs direct into the type, runtime vs `Value`), as seconds per decode.
fn measure_case(body: &[u8], decoders: &Decoders, rounds: usize) -> Outcome<(Paired, Paired)> {
    let time = |decode: Decode| -> Outcome<f64> {
        let (result, sample) = timed(|| decode(body));
        result?;
        Ok(sample.wall.as_secs_f64())
    };
    // Check that the data decode at all, and warm the allocator.
    time(decoders.runtime)?;
    time(decoders.direct)?;
    time(decoders.value)?;
    let typed = alternate(rounds, || time(decoders.runtime), || time(decoders.direct))?;
    let value = alternate(rounds, || time(decoders.runtime), || time(decoders.value))?;
    Ok((Paired::of(&typed, |s| *s), Paired::of(&value, |s| *s)))
}
