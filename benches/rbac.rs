//! Cost of RBAC checks on a mid-sized policy: 100 roles in a 4-deep hierarchy (four
//! layers of 25; each role below the first inherits 1–3 roles of the layer above),
//! 1,000 permissions (100 resources × 10 actions, each granted by some role, plus
//! extra grants and 20 `resource:*` wildcards), and 10,000 subjects each bound to 1–3
//! roles in `[subjects]`. The policy is generated from a fixed seed, so every run
//! measures the same policy.
//!
//! Run: `cargo bench --bench rbac` (under a minute once built; `cargo bench --bench rbac --
//! check` for the checks alone).
//!
//! - `rbac/check_preresolved/{allowed,denied,mixed}`: `policy.check(&set, id)` with the
//!   set built once and the id resolved once; `mixed` cycles through all 1,000
//!   permissions, allowed and denied. Target: < 10 ns.
//! - `rbac/check_str/{allowed,denied,unknown}`: `policy.check_str(&set, "res:action")`;
//!   `unknown` names a permission the policy never mentions. Target: < 100 ns.
//! - `rbac/permission_set_from_3_roles`: `policy.permissions_for([a, b, c])`.
//! - `rbac/subject_permissions`: `policy.subject_permissions(subject, None)` for a
//!   subject bound to three roles.
//! - `rbac/compile`: `Policy::compile` of the whole document; `rbac/compile_toml`
//!   parses its TOML text too. Target: < 50 ms.
//! - `by_names/{portcullis,set_then_check_str,strings_ids_closure}/{allowed,denied}`:
//!   the check a route makes of a caller by names (a principal with three roles, a
//!   permission name): `Policy::principal_allows_str`; the same through a permission
//!   set built per check (`principal_permissions` then `check_str`); and the floor
//!   it is held to, strings → ids → closure lookup written plainly (std `HashMap`s
//!   from role and permission names to ids, each role's transitive permissions as a
//!   bitset). Target: portcullis ≤ 1.1× the floor.
//! - `baseline/hashset_lookup{,_miss}`: a `HashSet<(u32, u32)>` of every (subject,
//!   permission) pair the policy allows, for scale: a plain hash-set lookup is what
//!   casbin's benchmarks (16 ns) compare against.

mod common;

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::time::Duration;

use common::Rng;
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::Principal;
use portcullis::rbac::{PermissionId, Policy, PolicyDocument, Role};

const LAYERS: usize = 4;
const ROLES_PER_LAYER: usize = 25;
const ROLES: usize = LAYERS * ROLES_PER_LAYER;
const RESOURCES: usize = 100;
const ACTIONS: [&str; 10] = [
    "read", "write", "create", "delete", "list", "approve", "export", "import", "share", "admin",
];
const PERMISSIONS: usize = RESOURCES * ACTIONS.len();
const EXTRA_GRANTS: usize = 500;
const WILDCARD_GRANTS: usize = 20;
const SUBJECTS: usize = 10_000;
const SEED: u64 = 0x2545_f491_4f6c_dd1d;

fn role_name(i: usize) -> String {
    format!("role-{i:02}")
}

fn subject_name(i: usize) -> String {
    format!("user-{i:05}")
}

fn permission_name(i: usize) -> String {
    format!("res-{:02}:{}", i / ACTIONS.len(), ACTIONS[i % ACTIONS.len()])
}

/// The generated policy as plain data: each role's parents and grants, each subject's
/// roles.
struct Spec {
    inherits: Vec<Vec<usize>>,
    grants: Vec<Vec<String>>,
    subjects: Vec<Vec<usize>>,
}

fn spec() -> Spec {
    let mut rng = Rng(SEED);
    let mut inherits = vec![Vec::new(); ROLES];
    for (role, parents) in inherits.iter_mut().enumerate().skip(ROLES_PER_LAYER) {
        let above = (role / ROLES_PER_LAYER - 1) * ROLES_PER_LAYER;
        for _ in 0..1 + rng.below(3) {
            let parent = above + rng.below(ROLES_PER_LAYER);
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
    }
    let mut grants = vec![Vec::new(); ROLES];
    for p in 0..PERMISSIONS {
        grants[rng.below(ROLES)].push(permission_name(p));
    }
    for _ in 0..EXTRA_GRANTS {
        let name = permission_name(rng.below(PERMISSIONS));
        let role = &mut grants[rng.below(ROLES)];
        if !role.contains(&name) {
            role.push(name);
        }
    }
    for _ in 0..WILDCARD_GRANTS {
        let name = format!("res-{:02}:*", rng.below(RESOURCES));
        let role = &mut grants[rng.below(ROLES)];
        if !role.contains(&name) {
            role.push(name);
        }
    }
    let subjects = (0..SUBJECTS)
        .map(|_| {
            let mut roles = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let role = rng.below(ROLES);
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            roles
        })
        .collect();
    Spec {
        inherits,
        grants,
        subjects,
    }
}

fn document(spec: &Spec) -> PolicyDocument {
    let mut doc = PolicyDocument::new();
    for role in 0..ROLES {
        let mut r = Role::new();
        for &parent in &spec.inherits[role] {
            r = r.inherit(&role_name(parent));
        }
        for grant in &spec.grants[role] {
            r = r.grant(grant);
        }
        doc = doc.role(&role_name(role), r);
    }
    for (subject, roles) in spec.subjects.iter().enumerate() {
        let names: Vec<String> = roles.iter().map(|&r| role_name(r)).collect();
        doc = doc.subject(&subject_name(subject), names.iter().map(String::as_str));
    }
    doc
}

fn toml(spec: &Spec) -> String {
    let list = |items: Vec<String>| {
        let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut out = String::new();
    for role in 0..ROLES {
        out += &format!("[roles.{}]\n", role_name(role));
        out += &format!(
            "inherits = {}\n",
            list(spec.inherits[role].iter().map(|&p| role_name(p)).collect())
        );
        out += &format!("permissions = {}\n\n", list(spec.grants[role].clone()));
    }
    out += "[subjects]\n";
    for (subject, roles) in spec.subjects.iter().enumerate() {
        out += &format!(
            "{} = {}\n",
            subject_name(subject),
            list(roles.iter().map(|&r| role_name(r)).collect())
        );
    }
    out
}

fn benches(c: &mut Criterion) {
    let spec = spec();
    let doc = document(&spec);
    let text = toml(&spec);
    let policy = Policy::compile(&doc).expect("the generated policy compiles");
    assert_eq!(policy.role_count(), ROLES);
    assert_eq!(policy.binding_count(), SUBJECTS);
    assert!(policy.permission_count() >= PERMISSIONS);
    assert_eq!(
        Policy::from_toml(&text).expect("TOML").permission_count(),
        policy.permission_count()
    );

    // A caller with three mid-hierarchy roles.
    let caller = [role_name(30), role_name(55), role_name(60)];
    let caller = [caller[0].as_str(), caller[1].as_str(), caller[2].as_str()];
    let set = policy.permissions_for(caller);
    let names: Vec<String> = (0..PERMISSIONS).map(permission_name).collect();
    let ids: Vec<PermissionId> = names.iter().map(|n| policy.permission(n).expect("id")).collect();
    let allowed = (0..PERMISSIONS)
        .find(|&p| policy.check(&set, ids[p]))
        .expect("an allowed permission");
    let denied = (0..PERMISSIONS)
        .find(|&p| !policy.check(&set, ids[p]))
        .expect("a denied permission");
    let held = ids.iter().filter(|&&id| policy.check(&set, id)).count();
    println!(
        "policy: {} roles, {} permissions, {} bindings; the caller holds {held} of {PERMISSIONS}",
        policy.role_count(),
        policy.permission_count(),
        policy.binding_count()
    );

    let mut g = c.benchmark_group("rbac");
    g.bench_function("check_preresolved/allowed", |b| {
        b.iter(|| policy.check(black_box(&set), black_box(ids[allowed])))
    });
    g.bench_function("check_preresolved/denied", |b| {
        b.iter(|| policy.check(black_box(&set), black_box(ids[denied])))
    });
    g.bench_function("check_preresolved/mixed", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % PERMISSIONS;
            policy.check(black_box(&set), black_box(ids[i]))
        })
    });
    g.bench_function("check_str/allowed", |b| {
        b.iter(|| policy.check_str(black_box(&set), black_box(&names[allowed])))
    });
    g.bench_function("check_str/denied", |b| {
        b.iter(|| policy.check_str(black_box(&set), black_box(&names[denied])))
    });
    g.bench_function("check_str/unknown", |b| {
        b.iter(|| policy.check_str(black_box(&set), black_box("billing:refund")))
    });
    g.bench_function("permission_set_from_3_roles", |b| {
        b.iter(|| policy.permissions_for(black_box(caller)))
    });
    let subject = (0..SUBJECTS)
        .find(|&s| spec.subjects[s].len() == 3)
        .map(subject_name)
        .expect("a subject with three roles");
    g.bench_function("subject_permissions", |b| {
        b.iter(|| policy.subject_permissions(black_box(&subject), None))
    });
    g.sample_size(10);
    g.bench_function("compile", |b| {
        b.iter(|| Policy::compile(black_box(&doc)).expect("compiles"))
    });
    g.bench_function("compile_toml", |b| {
        b.iter(|| Policy::from_toml(black_box(&text)).expect("compiles"))
    });
    g.finish();

    // By names: a caller with the three roles above, checked for a permission name.
    let principal = Principal::new("unbound-caller").with_roles(caller);
    let floor = Closure::new(&policy, &ids, &names);
    for p in [allowed, denied] {
        let expected = policy.check(&set, ids[p]);
        assert_eq!(policy.principal_allows_str(&principal, &names[p]), expected);
        assert_eq!(floor.allows(&caller, &names[p]), expected);
    }
    let mut g = c.benchmark_group("by_names");
    for (which, p) in [("allowed", allowed), ("denied", denied)] {
        let name = names[p].as_str();
        g.bench_function(format!("portcullis/{which}"), |b| {
            b.iter(|| policy.principal_allows_str(black_box(&principal), black_box(name)))
        });
        g.bench_function(format!("set_then_check_str/{which}"), |b| {
            b.iter(|| policy.check_str(&policy.principal_permissions(black_box(&principal)), black_box(name)))
        });
        g.bench_function(format!("strings_ids_closure/{which}"), |b| {
            b.iter(|| floor.allows(black_box(&caller), black_box(name)))
        });
    }
    g.finish();

    // Every (subject, permission) pair the policy allows, as a flat table would hold it.
    let mut pairs = HashSet::new();
    for s in 0..SUBJECTS {
        let set = policy.subject_permissions(&subject_name(s), None);
        for (p, &id) in ids.iter().enumerate() {
            if policy.check(&set, id) {
                pairs.insert((s as u32, p as u32));
            }
        }
    }
    println!("baseline: {} (subject, permission) pairs", pairs.len());
    let hit = *pairs.iter().next().expect("a pair");
    let miss = (0..PERMISSIONS as u32)
        .map(|p| (hit.0, p))
        .find(|pair| !pairs.contains(pair))
        .expect("a denied pair");
    let mut g = c.benchmark_group("baseline");
    g.bench_function("hashset_lookup", |b| {
        b.iter(|| black_box(&pairs).contains(black_box(&hit)))
    });
    g.bench_function("hashset_lookup_miss", |b| {
        b.iter(|| black_box(&pairs).contains(black_box(&miss)))
    });
    g.finish();
}

/// The floor for checks by name: role and permission names to ids through std
/// `HashMap`s, then each role's transitive permissions (wildcards resolved) as a
/// bitset.
struct Closure {
    roles: HashMap<String, usize>,
    permissions: HashMap<String, usize>,
    closure: Vec<Vec<u64>>,
}

impl Closure {
    fn new(policy: &Policy, ids: &[PermissionId], names: &[String]) -> Closure {
        let roles = (0..ROLES).map(|r| (role_name(r), r)).collect();
        let permissions = names.iter().enumerate().map(|(p, name)| (name.clone(), p)).collect();
        let closure = (0..ROLES)
            .map(|r| {
                let set = policy.permissions_for([role_name(r).as_str()]);
                let mut bits = vec![0u64; PERMISSIONS.div_ceil(64)];
                for (p, &id) in ids.iter().enumerate() {
                    if policy.check(&set, id) {
                        bits[p / 64] |= 1 << (p % 64);
                    }
                }
                bits
            })
            .collect();
        Closure {
            roles,
            permissions,
            closure,
        }
    }

    fn allows(&self, roles: &[&str], permission: &str) -> bool {
        let Some(&p) = self.permissions.get(permission) else {
            return false;
        };
        roles.iter().any(|role| {
            self.roles
                .get(*role)
                .is_some_and(|&r| self.closure[r][p / 64] >> (p % 64) & 1 == 1)
        })
    }
}

criterion_group! {
    name = rbac;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(rbac);
