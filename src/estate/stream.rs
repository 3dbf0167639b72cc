//! An NDJSON inventory streamed into an [`EstateSink`], one record a line,
//! in memory bounded by the number of resource types.

use super::*;

/// One line of an NDJSON inventory: a resource with its type (`type`, AWS
/// Config's `resourceType`, or Cloud Asset Inventory's `asset_type` or
/// `assetType`) and its address (`address`, `id`, `arn`, `ARN` (as a Config
/// snapshot delivered to S3 writes it), `resourceId` or `name`, the first
/// present), as `jq -c '.data[]'` makes of a Resource
/// Graph result or a Config query, or as `gcloud asset export` writes.
#[derive(serde::Deserialize)]
struct LineResource<'a> {
    #[serde(borrow, rename = "type")]
    type_: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "resourceType")]
    resource_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "asset_type")]
    asset_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "assetType")]
    asset_type_camel: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    address: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "ARN")]
    arn_upper: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, rename = "resourceId")]
    resource_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
}

/// What a streamed estate counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Lines read as resources.
    pub resources: u64,
    /// Of those, the ones a map knows.
    pub mapped: u64,
    /// Of those, the ones with a zone in conflict (possibly, where a
    /// dimension is open).
    pub conflicts: u64,
    /// Lines that were not a resource: each has an error record.
    pub errors: u64,
}

impl StreamSummary {
    /// `onus: 4 resources, 3 mapped, 1 unmapped, 0 with conflicts, 0
    /// errors`: the line a front end shows on stderr when a stream ends.
    pub fn finished_line(&self) -> String {
        format!(
            "onus: {} resources, {} mapped, {} unmapped, {} with conflicts, {} errors\n",
            self.resources,
            self.mapped,
            self.resources - self.mapped,
            self.conflicts,
            self.errors
        )
    }
}

/// Where a streamed estate's records go, one a line, in input order:
/// `render` writes them as NDJSON. The stream encodes each distinct answer
/// once ([`EstateSink::encode`]) and hands the encoding back for every
/// resource that has it, so a sink spends its work once per type.
pub trait EstateSink {
    /// An answer as the sink will write it, kept for every resource with
    /// the same map line (or the same unknown type).
    type Encoded;
    /// Encodes `answer`, whose resource's address and type are empty: they
    /// differ for each resource and come with [`EstateSink::resource`].
    fn encode(&mut self, policy: &Policy, answer: &ResourceAnswer) -> Self::Encoded;
    /// Writes one resource's record.
    fn resource(
        &mut self,
        address: &str,
        resource_type: &str,
        answer: &Self::Encoded,
    ) -> std::io::Result<()>;
    /// Writes the record of a line that is not a resource (`line` from 1).
    fn line_error(&mut self, line: u64, reason: &str) -> std::io::Result<()>;
    /// Everything written reaches the output.
    fn flush(&mut self) -> std::io::Result<()>;
}

/// Streams an NDJSON inventory to a sink, one line in, one record out, in
/// order, in memory bounded by the number of resource types (and at most
/// 65,536 of them kept ready). A line that is not a resource is handed to
/// the sink as an error and the stream goes on.
pub fn stream<S: EstateSink>(
    policy: &Policy,
    maps: &[ResourceMap],
    input: impl std::io::BufRead,
    sink: &mut S,
) -> std::io::Result<StreamSummary> {
    let lines = Lines::of(maps);
    let wanted = wanted_attributes(maps);
    // Each distinct answer is encoded once, with what the summary counts.
    let encode = |sink: &mut S, found: Result<(usize, &ResourceType), Option<String>>| {
        let answer = found.map(|(_, entry)| (entry, Rc::new(entry.evaluate(policy))));
        let mapped = answer.is_ok();
        let conflict = answer
            .as_ref()
            .is_ok_and(|(_, evaluated)| evaluated.has_conflict());
        let probe = ResourceAnswer {
            resource: Resource {
                address: String::new(),
                resource_type: String::new(),
                attributes: BTreeMap::new(),
            },
            answer,
        };
        (mapped, conflict, sink.encode(policy, &probe))
    };
    // Keyed by the line found, or by the unknown type's lower case.
    let mut tails: HashMap<Result<usize, String>, (bool, bool, S::Encoded)> = HashMap::new();
    let mut summary = StreamSummary::default();
    for (number, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<LineResource, String> = serde_json::from_str(&line)
            .map_err(|e| crate::model::scenario::json_error_at(&line, &e).1);
        let fields = parsed.and_then(|r| {
            let resource_type = r
                .type_
                .or(r.resource_type)
                .or(r.asset_type)
                .or(r.asset_type_camel)
                .ok_or("no `type`, `resourceType` or `asset_type`")?;
            let address = (r.address.or(r.id).or(r.arn).or(r.arn_upper))
                .or(r.resource_id)
                .or(r.name)
                .ok_or("no `address`, `id`, `arn`, `ARN`, `resourceId` or `name`")?;
            Ok((address, resource_type))
        });
        let (address, resource_type) = match fields {
            Ok(fields) => fields,
            Err(reason) => {
                summary.errors += 1;
                sink.line_error(number as u64 + 1, &reason)?;
                continue;
            }
        };
        // One lower-casing a line; the attributes read only for a type
        // whose lines test some; a suggestion only for a new unknown type.
        let type_key = resource_type.to_lowercase();
        let found = match lines.lookup(&type_key) {
            Lookup::Found(found) => found,
            Lookup::TestsAttributes => {
                let attributes = serde_json::from_str::<Value>(&line)
                    .map(|object| attributes_of(&object, &wanted))
                    .unwrap_or_default();
                lines.first_holding(&type_key, &attributes)
            }
        };
        let key = found.map_or(Err(type_key), |(i, _)| Ok(i));
        let uncached;
        let (mapped, conflict, tail) = match tails.get(&key) {
            Some(known) => known,
            None => {
                let answer = found.ok_or_else(|| match &key {
                    Err(type_key) => lines.suggestion(type_key, &resource_type),
                    Ok(_) => None,
                });
                match tails.len() < CACHED_TYPES {
                    true => tails.entry(key).or_insert_with(|| encode(sink, answer)),
                    false => {
                        uncached = encode(sink, answer);
                        &uncached
                    }
                }
            }
        };
        summary.resources += 1;
        summary.mapped += u64::from(*mapped);
        summary.conflicts += u64::from(*conflict);
        sink.resource(&address, &resource_type, tail)?;
    }
    sink.flush()?;
    Ok(summary)
}
