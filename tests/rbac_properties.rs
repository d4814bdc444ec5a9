//! Properties of the compiled RBAC policy against a naive reference.
//!
//! Random role DAGs (up to 200 roles, up to 6 layers; each role inherits 0–3 roles of
//! strictly earlier layers, so the graph is acyclic) grant permissions from a small
//! universe (`r0..r9` × `a0..a9`, plus some `rK:*`). For random callers (1–3 role names,
//! sometimes undefined ones) and random permissions, every API of the compiled policy
//! must agree with a reference that knows nothing of the crate's internals: a
//! depth-first walk of `inherits` from each caller role, per query, looking for a role
//! whose own grants hold the permission or its resource's `rK:*`.
//!
//! Case counts: 256 policies × 100 queries (code-built), 64 policies × 100 queries × 3
//! sources (code, TOML, JSON), and 256 cyclic graphs; about a second in debug.

use std::collections::{HashMap, HashSet};

use portcullis::rbac::{Explanation, Policy, PolicyDocument, RbacError, Role};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

/// Resources `r0..r9` and actions `a0..a9` are the universe of granted permissions.
const RESOURCES: u8 = 10;
const ACTIONS: u8 = 10;
const QUERIES: usize = 100;

/// Role name prefixes: valid role names need not be TOML bare keys, so some need
/// quoting and escaping in the rendered policy text. Each ends in a non-digit, so that
/// prefix + index is unique.
const PREFIXES: [&str; 6] = ["role", "team.lead-", "svc/", "ops@", "Ω-", "q\"\\"];
/// Caller role names no generated policy defines.
const UNDEFINED: [&str; 4] = ["ghost", "role", "ROLE0", "r0:a0"];
const TENANTS: [&str; 3] = ["acme", "globex", "t.x"];
/// Permissions no parser should accept; they are never allowed.
const MALFORMED: [&str; 9] = ["", "r1", "r1:", ":a1", "r1:a1:x", "*:a1", "*:*", "r1:a*", "r 1:a1"];

/// A policy as plain data: the reference and the renderings read only this.
#[derive(Debug, Clone, Default)]
struct Model {
    names: Vec<String>,
    inherits: Vec<Vec<usize>>,
    grants: Vec<Vec<String>>,
    /// Global bindings: subject and role indices.
    subjects: Vec<(String, Vec<usize>)>,
    /// Tenant bindings: tenant, subject and role indices.
    tenant_subjects: Vec<(String, String, Vec<usize>)>,
}

impl Model {
    fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn document(&self) -> PolicyDocument {
        let mut doc = PolicyDocument::new();
        for (i, name) in self.names.iter().enumerate() {
            let mut role = Role::new();
            for &parent in &self.inherits[i] {
                role = role.inherit(&self.names[parent]);
            }
            for grant in &self.grants[i] {
                role = role.grant(grant);
            }
            doc = doc.role(name, role);
        }
        for (subject, roles) in &self.subjects {
            doc = doc.subject(subject, roles.iter().map(|&r| self.names[r].as_str()));
        }
        for (tenant, subject, roles) in &self.tenant_subjects {
            doc = doc.tenant_subject(tenant, subject, roles.iter().map(|&r| self.names[r].as_str()));
        }
        doc
    }

    fn names_of(&self, roles: &[usize]) -> String {
        let quoted: Vec<String> = roles.iter().map(|&r| quote(&self.names[r])).collect();
        format!("[{}]", quoted.join(", "))
    }

    /// The policy as TOML: some roles as inline tables under `[roles]`, the others as
    /// `[roles."name"]` sections; empty arrays left out.
    fn toml(&self) -> String {
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let parents = |i: usize| {
            let names: Vec<String> = self.inherits[i].iter().map(|&p| self.names[p].clone()).collect();
            names
        };
        let mut out = String::from("[roles]\n");
        for i in (0..self.names.len()).filter(|i| i % 3 == 0) {
            let mut fields = Vec::new();
            if !self.inherits[i].is_empty() {
                fields.push(format!("inherits = {}", list(&parents(i))));
            }
            if !self.grants[i].is_empty() {
                fields.push(format!("permissions = {}", list(&self.grants[i])));
            }
            out += &format!("{} = {{ {} }}\n", quote(&self.names[i]), fields.join(", "));
        }
        for i in (0..self.names.len()).filter(|i| i % 3 != 0) {
            out += &format!("\n[roles.{}]\n", quote(&self.names[i]));
            if !self.inherits[i].is_empty() {
                out += &format!("inherits = {}\n", list(&parents(i)));
            }
            if !self.grants[i].is_empty() {
                out += &format!("permissions = {}\n", list(&self.grants[i]));
            }
        }
        if !self.subjects.is_empty() {
            out += "\n[subjects]\n";
            for (subject, roles) in &self.subjects {
                out += &format!("{} = {}\n", quote(subject), self.names_of(roles));
            }
        }
        for tenant in TENANTS {
            let bound: Vec<_> = self.tenant_subjects.iter().filter(|(t, _, _)| t == tenant).collect();
            if bound.is_empty() {
                continue;
            }
            out += &format!("\n[tenants.{}.subjects]\n", quote(tenant));
            for (_, subject, roles) in bound {
                out += &format!("{} = {}\n", quote(subject), self.names_of(roles));
            }
        }
        out
    }

    /// The policy as JSON; empty arrays left out of every other role.
    fn json(&self) -> String {
        let mut roles = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            let mut fields = Vec::new();
            if !self.inherits[i].is_empty() || i % 2 == 0 {
                fields.push(format!("\"inherits\": {}", self.names_of(&self.inherits[i])));
            }
            if !self.grants[i].is_empty() || i % 2 == 0 {
                let grants: Vec<String> = self.grants[i].iter().map(|g| quote(g)).collect();
                fields.push(format!("\"permissions\": [{}]", grants.join(", ")));
            }
            roles.push(format!("{}: {{{}}}", quote(name), fields.join(", ")));
        }
        let subjects: Vec<String> = self
            .subjects
            .iter()
            .map(|(s, roles)| format!("{}: {}", quote(s), self.names_of(roles)))
            .collect();
        let mut tenants = Vec::new();
        for tenant in TENANTS {
            let bound: Vec<String> = self
                .tenant_subjects
                .iter()
                .filter(|(t, _, _)| t == tenant)
                .map(|(_, s, roles)| format!("{}: {}", quote(s), self.names_of(roles)))
                .collect();
            if !bound.is_empty() {
                tenants.push(format!("{}: {{\"subjects\": {{{}}}}}", quote(tenant), bound.join(", ")));
            }
        }
        format!(
            "{{\"roles\": {{{}}}, \"subjects\": {{{}}}, \"tenants\": {{{}}}}}",
            roles.join(",\n"),
            subjects.join(", "),
            tenants.join(", ")
        )
    }
}

/// A JSON string literal, which is also a TOML basic string for these names.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The reference: does any role reached from `roles` by following `inherits` grant
/// `permission` itself or, for `resource:action`, `resource:*`? Undefined roles grant
/// nothing. Only called for well-formed permissions.
fn reference_allows(model: &Model, roles: &[String], permission: &str) -> bool {
    let (resource, action) = permission.split_once(':').expect("well-formed permission");
    let mut wanted = vec![permission.to_owned()];
    if action != "*" {
        wanted.push(format!("{resource}:*"));
    }
    let mut visited = vec![false; model.names.len()];
    let mut stack: Vec<usize> = roles.iter().filter_map(|r| model.index_of(r)).collect();
    while let Some(role) = stack.pop() {
        if std::mem::replace(&mut visited[role], true) {
            continue;
        }
        if model.grants[role].iter().any(|g| wanted.contains(g)) {
            return true;
        }
        stack.extend(model.inherits[role].iter().copied().filter(|&p| !visited[p]));
    }
    false
}

/// Every grant of every role reached from `roles`, for generating queries only.
fn held_grants<'m>(model: &'m Model, roles: &[String]) -> Vec<&'m String> {
    let mut reached: Vec<usize> = roles.iter().filter_map(|r| model.index_of(r)).collect();
    let mut next = 0;
    while next < reached.len() {
        for &parent in &model.inherits[reached[next]] {
            if !reached.contains(&parent) {
                reached.push(parent);
            }
        }
        next += 1;
    }
    reached.iter().flat_map(|&r| &model.grants[r]).collect()
}

#[derive(Debug, Clone)]
enum Caller {
    Defined(Index),
    Undefined(usize),
}

#[derive(Debug, Clone)]
enum Perm {
    Concrete(u8, u8),
    Wildcard(u8),
    /// A resource never mentioned in a policy (`r10..r99`).
    UnknownResource(u8, u8),
    /// An action never mentioned in a policy.
    UnknownAction(u8),
    Malformed(usize),
    /// One of the grants the caller's roles reach, as written (so mostly allowed).
    Held(Index),
}

impl Perm {
    fn name(&self, model: &Model, roles: &[String]) -> String {
        match *self {
            Perm::Held(ref pick) => {
                let held = held_grants(model, roles);
                match held.is_empty() {
                    true => "r0:a0".to_owned(),
                    false => pick.get(&held).to_string(),
                }
            }
            Perm::Concrete(r, a) | Perm::UnknownResource(r, a) => format!("r{r}:a{a}"),
            Perm::Wildcard(r) => format!("r{r}:*"),
            Perm::UnknownAction(r) => format!("r{r}:never"),
            Perm::Malformed(i) => MALFORMED[i].to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
struct Query {
    callers: Vec<Caller>,
    perm: Perm,
}

impl Query {
    fn roles(&self, model: &Model) -> Vec<String> {
        self.callers
            .iter()
            .map(|c| match c {
                Caller::Defined(i) => model.names[i.index(model.names.len())].clone(),
                Caller::Undefined(i) => UNDEFINED[*i].to_owned(),
            })
            .collect()
    }
}

fn perm() -> impl Strategy<Value = Perm> {
    prop_oneof![
        45 => (0..RESOURCES, 0..ACTIONS).prop_map(|(r, a)| Perm::Concrete(r, a)),
        25 => any::<Index>().prop_map(Perm::Held),
        10 => (0..RESOURCES).prop_map(Perm::Wildcard),
        8 => (RESOURCES..100, 0..ACTIONS).prop_map(|(r, a)| Perm::UnknownResource(r, a)),
        7 => (0..RESOURCES).prop_map(Perm::UnknownAction),
        5 => (0..MALFORMED.len()).prop_map(Perm::Malformed),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    let caller = prop_oneof![
        9 => any::<Index>().prop_map(Caller::Defined),
        1 => (0..UNDEFINED.len()).prop_map(Caller::Undefined),
    ];
    (prop::collection::vec(caller, 1..=3), perm()).prop_map(|(callers, perm)| Query { callers, perm })
}

fn queries() -> impl Strategy<Value = Vec<Query>> {
    prop::collection::vec(query(), QUERIES)
}

fn grant() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => (0..RESOURCES, 0..ACTIONS).prop_map(|(r, a)| format!("r{r}:a{a}")),
        1 => (0..RESOURCES).prop_map(|r| format!("r{r}:*")),
    ]
}

/// One role before layering: its layer, the style of its name, up to three parent
/// picks and up to five grants.
type RoleSpec = (Index, usize, Vec<Index>, Vec<String>);

fn role_spec() -> impl Strategy<Value = RoleSpec> {
    (
        any::<Index>(),
        0..PREFIXES.len(),
        prop::collection::vec(any::<Index>(), 0..=3),
        prop::collection::vec(grant(), 0..=5),
    )
}

fn name(prefix: usize, i: usize) -> String {
    format!("{}{i}", PREFIXES[prefix])
}

/// Global bindings (subject number, roles) and tenant bindings (tenant, subject
/// number, roles); role picks are resolved once the number of roles is known.
type Bindings = (Vec<(usize, Vec<Index>)>, Vec<(usize, usize, Vec<Index>)>);

fn bindings() -> impl Strategy<Value = Bindings> {
    let roles = || prop::collection::vec(any::<Index>(), 1..=3);
    (
        prop::collection::vec((0usize..8, roles()), 0..=6),
        prop::collection::vec((0..TENANTS.len(), 0usize..8, roles()), 0..=6),
    )
}

fn with_bindings(mut model: Model, (global, scoped): Bindings) -> Model {
    let n = model.names.len();
    let pick = |roles: &[Index]| roles.iter().map(|i| i.index(n)).collect::<Vec<_>>();
    let mut seen = HashSet::new();
    for (subject, roles) in global {
        if seen.insert(subject) {
            model.subjects.push((format!("user-{subject}"), pick(&roles)));
        }
    }
    let mut seen = HashSet::new();
    for (tenant, subject, roles) in scoped {
        if seen.insert((tenant, subject)) {
            model
                .tenant_subjects
                .push((TENANTS[tenant].to_owned(), format!("user-{subject}"), pick(&roles)));
        }
    }
    model
}

/// An acyclic policy: role 0 is in layer 0; a role of layer L > 0 takes its first
/// parent from layer L - 1 (when that layer has roles) and the others from any earlier
/// layer, so inheritance chains reach up to `layers` roles.
fn dag() -> impl Strategy<Value = Model> {
    (1usize..=6, prop::collection::vec(role_spec(), 1..=200), bindings()).prop_map(|(layers, specs, bindings)| {
        let layer: Vec<usize> = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| if i == 0 { 0 } else { spec.0.index(layers) })
            .collect();
        let mut model = Model::default();
        for (i, (_, prefix, picks, grants)) in specs.into_iter().enumerate() {
            let previous: Vec<usize> = (0..layer.len()).filter(|&j| layer[j] + 1 == layer[i]).collect();
            let earlier: Vec<usize> = (0..layer.len()).filter(|&j| layer[j] < layer[i]).collect();
            let mut parents = Vec::new();
            if !earlier.is_empty() {
                for (k, pick) in picks.iter().enumerate() {
                    let from = if k == 0 && !previous.is_empty() {
                        &previous
                    } else {
                        &earlier
                    };
                    parents.push(*pick.get(from));
                }
            }
            model.names.push(name(prefix, i));
            model.inherits.push(parents);
            model.grants.push(grants);
        }
        with_bindings(model, bindings)
    })
}

/// A graph with at least one cycle: random edges, plus a closed walk through 1–5
/// picked roles (one pick is a role inheriting itself).
fn cyclic() -> impl Strategy<Value = Model> {
    (
        prop::collection::vec(
            (
                0..PREFIXES.len(),
                prop::collection::vec(any::<Index>(), 0..=3),
                prop::collection::vec(grant(), 0..=2),
            ),
            1..=40,
        ),
        prop::collection::vec(any::<Index>(), 1..=5),
    )
        .prop_map(|(specs, walk)| {
            let n = specs.len();
            let mut model = Model::default();
            for (i, (prefix, picks, grants)) in specs.into_iter().enumerate() {
                model.names.push(name(prefix, i));
                model.inherits.push(picks.iter().map(|p| p.index(n)).collect());
                model.grants.push(grants);
            }
            let walk: Vec<usize> = walk.iter().map(|p| p.index(n)).collect();
            for (k, &from) in walk.iter().enumerate() {
                model.inherits[from].push(walk[(k + 1) % walk.len()]);
            }
            model
        })
}

/// Checks `policy` against the reference on every query, through `check`, `allows`,
/// `require`, `check_str` and `explain`, then the subject bindings. Returns the
/// explanations, for comparison across policy sources.
fn check_policy(model: &Model, policy: &Policy, queries: &[Query]) -> Result<Vec<Explanation>, TestCaseError> {
    prop_assert_eq!(policy.role_count(), model.names.len());
    for name in &model.names {
        prop_assert!(policy.has_role(name), "role {} missing", name);
    }
    for name in UNDEFINED {
        prop_assert!(!policy.has_role(name));
    }
    let mut explanations = Vec::with_capacity(queries.len());
    for query in queries {
        let roles = query.roles(model);
        let p = query.perm.name(model, &roles);
        let set = policy.permissions_for(roles.iter().map(String::as_str));
        let explanation = policy.explain(roles.iter().map(String::as_str), &p);

        if let Perm::Malformed(_) = query.perm {
            let err = policy.permission(&p).expect_err("a malformed permission resolves");
            prop_assert_eq!(err.code(), "malformed_permission");
            prop_assert!(!policy.check_str(&set, &p), "malformed {:?} allowed", p);
            prop_assert!(
                matches!(explanation, Explanation::Denied { .. }),
                "malformed {:?} explained as {:?}",
                p,
                explanation
            );
            explanations.push(explanation);
            continue;
        }

        let expected = reference_allows(model, &roles, &p);
        let id = policy
            .permission(&p)
            .map_err(|e| TestCaseError::fail(format!("{p}: {e}")))?;
        let ctx = || format!("roles {roles:?}, permission {p}, expected {expected}");
        prop_assert_eq!(policy.check(&set, id), expected, "check: {}", ctx());
        prop_assert_eq!(set.allows(id), expected, "allows: {}", ctx());
        prop_assert_eq!(policy.authorize(&set, id).is_ok(), expected, "authorize: {}", ctx());
        prop_assert_eq!(policy.check_str(&set, &p), expected, "check_str: {}", ctx());

        match &explanation {
            Explanation::Granted {
                permission,
                role,
                path,
                grant,
            } => {
                prop_assert!(
                    expected,
                    "explain granted what the reference denies: {}: {}",
                    ctx(),
                    explanation
                );
                prop_assert_eq!(permission, &p);
                prop_assert!(roles.contains(role), "{} is not a caller role: {}", role, ctx());
                prop_assert_eq!(path.first(), Some(role), "path does not start at the role: {:?}", path);
                let mut at = model.index_of(role).expect("granting role is defined");
                for next in &path[1..] {
                    let next_index = model.index_of(next);
                    prop_assert!(
                        next_index.is_some_and(|n| model.inherits[at].contains(&n)),
                        "{} does not inherit {}: path {:?}",
                        model.names[at],
                        next,
                        path
                    );
                    at = next_index.unwrap_or(at);
                }
                prop_assert!(
                    model.grants[at].contains(grant),
                    "{} does not grant {} directly: {:?}",
                    model.names[at],
                    grant,
                    model.grants[at]
                );
                let (resource, _) = p.split_once(':').unwrap_or_default();
                prop_assert!(
                    *grant == p || *grant == format!("{resource}:*"),
                    "grant {} does not cover {}",
                    grant,
                    p
                );
            }
            Explanation::Denied {
                permission,
                unknown_roles,
            } => {
                prop_assert!(!expected, "explain denied what the reference grants: {}", ctx());
                prop_assert_eq!(permission, &p);
                let undefined: Vec<&String> = roles.iter().filter(|r| model.index_of(r).is_none()).collect();
                prop_assert_eq!(unknown_roles.iter().collect::<Vec<_>>(), undefined);
            }
        }
        explanations.push(explanation);
    }

    // Subject bindings: global, and global plus tenant, against the reference.
    let well_formed: Vec<String> = queries
        .iter()
        .filter(|q| !matches!(q.perm, Perm::Malformed(_)))
        .take(20)
        .map(|q| q.perm.name(model, &q.roles(model)))
        .collect();
    let global = |subject: &str| -> Vec<String> {
        model
            .subjects
            .iter()
            .filter(|(s, _)| s == subject)
            .flat_map(|(_, roles)| roles.iter().map(|&r| model.names[r].clone()))
            .collect()
    };
    let mut cases: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
    for (subject, _) in &model.subjects {
        cases.push((subject.clone(), None, global(subject)));
        cases.push((subject.clone(), Some("elsewhere".to_owned()), global(subject)));
    }
    for (tenant, subject, roles) in &model.tenant_subjects {
        let mut all = global(subject);
        all.extend(roles.iter().map(|&r| model.names[r].clone()));
        cases.push((subject.clone(), Some(tenant.clone()), all));
        cases.push((subject.clone(), None, global(subject)));
    }
    cases.push(("nobody".to_owned(), None, Vec::new()));
    cases.push(("nobody".to_owned(), Some("acme".to_owned()), Vec::new()));
    for (subject, tenant, roles) in &cases {
        let set = policy.subject_permissions(subject, tenant.as_deref());
        if roles.is_empty() {
            prop_assert!(set.is_empty(), "{} in {:?} holds permissions", subject, tenant);
        }
        for p in &well_formed {
            let expected = reference_allows(model, roles, p);
            let id = policy
                .permission(p)
                .map_err(|e| TestCaseError::fail(format!("{p}: {e}")))?;
            prop_assert_eq!(
                policy.check(&set, id),
                expected,
                "subject {} in {:?}, {}",
                subject,
                tenant,
                p
            );
            prop_assert_eq!(
                policy.check_str(&set, p),
                expected,
                "subject {} in {:?}, {}",
                subject,
                tenant,
                p
            );
        }
    }
    Ok(explanations)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A policy built in code answers as the reference does.
    #[test]
    fn compiled_checks_agree_with_a_naive_walk(model in dag(), queries in queries()) {
        let policy = Policy::compile(&model.document()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_policy(&model, &policy, &queries)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same policy rendered to TOML and to JSON compiles to the same answers.
    #[test]
    fn toml_and_json_policies_answer_as_the_code_built_one(model in dag(), queries in queries()) {
        let from_code = Policy::compile(&model.document()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let toml = model.toml();
        let from_toml = Policy::from_toml(&toml).map_err(|e| TestCaseError::fail(format!("{e}\n{toml}")))?;
        let json = model.json();
        let from_json = Policy::from_json(&json).map_err(|e| TestCaseError::fail(format!("{e}\n{json}")))?;

        let expected = check_policy(&model, &from_code, &queries)?;
        for (source, policy) in [("toml", &from_toml), ("json", &from_json)] {
            prop_assert_eq!(policy.permission_count(), from_code.permission_count(), "{}", source);
            prop_assert_eq!(policy.binding_count(), from_code.binding_count(), "{}", source);
            prop_assert_eq!(policy.tenant_count(), from_code.tenant_count(), "{}", source);
            let explanations = check_policy(&model, policy, &queries)?;
            prop_assert_eq!(&explanations, &expected, "{}", source);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any cycle is refused, and the cycle named is one: it ends where it starts and
    /// each role in it inherits the next.
    #[test]
    fn cycles_are_refused_and_named(model in cyclic()) {
        let from_code = Policy::compile(&model.document());
        let from_toml = Policy::from_toml(&model.toml());
        let err = from_code.expect_err("a cyclic policy compiled");
        prop_assert_eq!(err.code(), "inheritance_cycle", "{}", err);
        prop_assert_eq!(from_toml.expect_err("a cyclic TOML policy compiled"), err.clone());
        let RbacError::InheritanceCycle(cycle) = err else {
            return Err(TestCaseError::fail("not an InheritanceCycle"));
        };
        prop_assert!(cycle.len() >= 2, "{:?}", cycle);
        prop_assert_eq!(cycle.first(), cycle.last(), "{:?}", cycle);
        let index: HashMap<&str, usize> = model.names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for pair in cycle.windows(2) {
            let (Some(&a), Some(&b)) = (index.get(pair[0].as_str()), index.get(pair[1].as_str())) else {
                return Err(TestCaseError::fail(format!("cycle names an undefined role: {cycle:?}")));
            };
            prop_assert!(model.inherits[a].contains(&b), "{} does not inherit {}: {:?}", pair[0], pair[1], cycle);
        }
        let interior: HashSet<&String> = cycle[1..].iter().collect();
        prop_assert_eq!(interior.len(), cycle.len() - 1, "the cycle repeats a role: {:?}", cycle);
    }
}
