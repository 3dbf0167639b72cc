//! Suggestions for a misspelt name: the closest of the names that exist.

/// The closest of `candidates` to `name`, if close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Edit distance is quadratic in length; nobody mistypes a 100-letter name.
    const LONGEST: usize = 64;
    if name.len() > LONGEST {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| c.len() <= LONGEST && c.len().abs_diff(name.len()) <= name.len() / 3 + 1)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, c)| *distance <= (name.len().max(c.len()) / 3).max(1))
        .min_by_key(|(distance, c)| (*distance, *c))
        .map(|(_, c)| c)
}

/// `did you mean `x`?` when `name` is a likely typo of one of `candidates`.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|s| format!("did you mean `{s}`?"))
}
