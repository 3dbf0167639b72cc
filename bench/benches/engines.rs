//! One scenario, all zones of `azure`: Onus beside regorus (Rego) and Cedar
//! evaluating equivalent policies (`bench/policies/`). Before timing, the
//! three engines are cross-checked on every scenario: same answer for every
//! zone.
//!
//! Run: `cargo bench -p onus-bench --bench engines`

use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request};
use criterion::{criterion_group, criterion_main, Criterion};
use onus::unstable::Compiled;
use std::hint::black_box;

const MODELS: [&str; 4] = ["on-prem", "iaas", "paas", "saas"];
const PARTIES: [&str; 3] = ["customer", "provider", "shared"];

/// Every zone's answer, by zone name: a party or "conflict".
type Answers = Vec<(String, String)>;

fn onus_answers(compiled: &Compiled, values: &[usize]) -> Answers {
    let policy = compiled.policy();
    (0..policy.zones.len())
        .map(|z| {
            let answer = compiled.answer(z, values);
            let party = answer
                .decision
                .party
                .map_or("conflict".to_string(), |p| policy.parties[p].name.clone());
            (policy.zones[z].name.clone(), party)
        })
        .collect()
}

fn rego_answers(engine: &mut regorus::Engine, input: &regorus::Value, zones: &[String]) -> Answers {
    engine.set_input(input.clone());
    let decision = engine
        .eval_rule("data.onus.azure.decision".to_string())
        .unwrap();
    zones
        .iter()
        .map(|z| {
            let party = decision[&regorus::Value::from(z.as_str())]
                .as_string()
                .unwrap()
                .to_string();
            (z.clone(), party)
        })
        .collect()
}

/// The requests a Cedar user makes for one scenario: one per zone and party.
fn cedar_requests(zones: &[String], model: &str) -> Vec<(usize, usize, Request)> {
    let action = EntityUid::from_str(r#"Action::"hold""#).unwrap();
    let mut requests = Vec::new();
    for (z, zone) in zones.iter().enumerate() {
        for (p, party) in PARTIES.iter().enumerate() {
            let principal = EntityUid::from_str(&format!("Party::{party:?}")).unwrap();
            let resource = EntityUid::from_str(&format!("Zone::{zone:?}")).unwrap();
            let context =
                Context::from_json_value(serde_json::json!({ "model": model }), None).unwrap();
            let request = Request::new(principal, action.clone(), resource, context, None).unwrap();
            requests.push((z, p, request));
        }
    }
    requests
}

fn cedar_answers(
    authorizer: &Authorizer,
    policies: &PolicySet,
    entities: &Entities,
    requests: &[(usize, usize, Request)],
    zones: &[String],
) -> Answers {
    let mut allowed: Vec<Vec<usize>> = vec![Vec::new(); zones.len()];
    for (z, p, request) in requests {
        if authorizer
            .is_authorized(request, policies, entities)
            .decision()
            == Decision::Allow
        {
            allowed[*z].push(*p);
        }
    }
    zones
        .iter()
        .zip(allowed)
        .map(|(zone, parties)| {
            let party = match parties.as_slice() {
                [] => "customer".to_string(),
                [one] => PARTIES[*one].to_string(),
                _ => "conflict".to_string(),
            };
            (zone.clone(), party)
        })
        .collect()
}

fn engines(c: &mut Criterion) {
    let azure = onus::builtin("azure").unwrap();
    let policy = onus::load(azure.name, azure.text).unwrap();
    let encode =
        |d: &onus::Decision| onus::render::decision_bytes(&policy, d, onus::DecisionFields::ALL);
    let compiled = Compiled::new(&policy, &encode);
    let zones: Vec<String> = policy.zones.iter().map(|z| z.name.clone()).collect();

    let mut rego = regorus::Engine::new();
    rego.add_policy(
        "azure.rego".into(),
        include_str!("../policies/azure.rego").into(),
    )
    .unwrap();
    let inputs: Vec<regorus::Value> = MODELS
        .iter()
        .map(|m| regorus::Value::from_json_str(&format!(r#"{{"model": "{m}"}}"#)).unwrap())
        .collect();

    let cedar = PolicySet::from_str(include_str!("../policies/azure.cedar")).unwrap();
    let authorizer = Authorizer::new();
    let entities = Entities::empty();
    let requests: Vec<_> = MODELS.iter().map(|m| cedar_requests(&zones, m)).collect();

    // The cross-check: the comparison is honest only if the answers agree.
    for (i, model) in MODELS.iter().enumerate() {
        let values = [i];
        let ours = onus_answers(&compiled, &values);
        assert_eq!(
            ours,
            rego_answers(&mut rego, &inputs[i], &zones),
            "regorus differs in {model}"
        );
        assert_eq!(
            ours,
            cedar_answers(&authorizer, &cedar, &entities, &requests[i], &zones),
            "cedar differs in {model}"
        );
    }
    eprintln!(
        "cross-check: onus, regorus and cedar agree on every zone of all {} scenarios",
        MODELS.len()
    );

    let mut group = c.benchmark_group("one scenario, all 15 zones of azure");
    let mut i = 0;
    group.bench_function("onus (compiled)", |b| {
        b.iter(|| {
            i = (i + 1) % MODELS.len();
            let values = [i];
            for z in 0..zones.len() {
                black_box(compiled.answer(z, black_box(&values)));
            }
        })
    });
    group.bench_function("onus (interpreted, Policy::evaluate)", |b| {
        let scenarios: Vec<onus::Scenario> = policy.all_scenarios().collect();
        b.iter(|| {
            i = (i + 1) % MODELS.len();
            black_box(policy.evaluate(black_box(&scenarios[i])));
        })
    });
    group.bench_function("regorus (Rego)", |b| {
        b.iter(|| {
            i = (i + 1) % MODELS.len();
            rego.set_input(inputs[i].clone());
            black_box(
                rego.eval_rule("data.onus.azure.decision".to_string())
                    .unwrap(),
            );
        })
    });
    group.bench_function("cedar (45 requests)", |b| {
        b.iter(|| {
            i = (i + 1) % MODELS.len();
            for (_, _, request) in &requests[i] {
                black_box(authorizer.is_authorized(request, &cedar, &entities));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, engines);
criterion_main!(benches);
