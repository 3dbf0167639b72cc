//! Resource maps: a `resources for` file resolved against its policy.

use super::*;

/// The policy a resource map file names, if it is one.
pub fn resources_for(file: &PolicyFile) -> Option<&Text> {
    file.statements.iter().find_map(|s| match &s.kind {
        StatementKind::ResourcesFor(policy) => Some(policy),
        _ => None,
    })
}

/// Resolves a resource map against the policy it is used with: every
/// dimension and value named must be the policy's.
pub fn resolve_resource_map(
    file: &PolicyFile,
    name: &str,
    source: &Source,
    policy: &Policy,
) -> Result<ResourceMap, Vec<ResolveError>> {
    let mut errors = Vec::new();
    let Some(named) = resources_for(file) else {
        return Err(vec![ResolveError::NoResourcesFor {
            span: file.statements.first().map(|s| s.span),
        }]);
    };
    let mut entries = Vec::new();
    let mut seen: HashMap<(String, Option<(String, String)>), Span> = HashMap::new();
    for statement in &file.statements {
        let entry = match &statement.kind {
            StatementKind::ResourcesFor(_) => continue,
            StatementKind::Resource(entry) => entry,
            _ => {
                errors.push(ResolveError::NotAResourceLine {
                    span: statement.span,
                });
                continue;
            }
        };
        let when =
            (entry.when.as_ref()).map(|(path, value)| (path.text.clone(), value.text.clone()));
        let key = (entry.resource_type.text.to_lowercase(), when.clone());
        match seen.get(&key) {
            Some(&first) => errors.push(ResolveError::Duplicate {
                what: "resource type",
                name: match &when {
                    Some((path, value)) => {
                        format!("{} when {path} is {value}", entry.resource_type.text)
                    }
                    None => entry.resource_type.text.clone(),
                },
                span: entry.resource_type.span,
                first,
            }),
            None => {
                seen.insert(key, entry.resource_type.span);
            }
        }
        let pattern = &entry.resource_type.text;
        let stars = pattern.matches('*').count();
        if stars > 1 || (stars == 1 && (!pattern.ends_with('*') || pattern.len() == 1)) {
            errors.push(ResolveError::BadPattern {
                pattern: pattern.clone(),
                span: entry.resource_type.span,
            });
        }
        let mut allowed: Vec<ValueSet> = policy.dimensions.iter().map(|d| d.all()).collect();
        let mut dimensions_seen: HashMap<usize, Span> = HashMap::new();
        for setting in &entry.settings {
            let dimension = &setting.dimension;
            let Some(d) = policy
                .dimensions
                .iter()
                .position(|x| x.name == dimension.text)
            else {
                let names = policy.dimensions.iter().map(|x| x.name.as_str());
                errors.push(ResolveError::unknown(NameKind::Dimension, dimension, names));
                continue;
            };
            if let Some(&first) = dimensions_seen.get(&d) {
                errors.push(ResolveError::Duplicate {
                    what: "dimension",
                    name: dimension.text.clone(),
                    span: dimension.span,
                    first,
                });
                continue;
            }
            dimensions_seen.insert(d, dimension.span);
            let mut set: ValueSet = 0;
            let mut value_spans: HashMap<usize, Span> = HashMap::new();
            for value in &setting.values {
                match policy.dimensions[d].value_index(&value.text) {
                    Some(v) => match value_spans.get(&v) {
                        Some(&first) => errors.push(ResolveError::Duplicate {
                            what: "value",
                            name: value.text.clone(),
                            span: value.span,
                            first,
                        }),
                        None => {
                            value_spans.insert(v, value.span);
                            set |= 1 << v;
                        }
                    },
                    None => {
                        let values = policy.dimensions[d].values.iter().map(String::as_str);
                        errors.push(ResolveError::unknown(NameKind::Value, value, values));
                    }
                }
            }
            if set != 0 {
                allowed[d] = set;
            }
        }
        entries.push(ResourceType {
            name: entry.resource_type.text.clone(),
            when,
            allowed,
            because: entry.because.as_ref().map(|b| b.text.clone()),
        });
    }
    if errors.is_empty() {
        Ok(ResourceMap {
            name: name.to_string(),
            source: source.clone(),
            policy: named.text.clone(),
            entries,
            fallback: false,
        })
    } else {
        Err(errors)
    }
}
