//! "Did you mean" for unknown names, fields, methods and variants (issue
//! 12): the closest known name by edit distance, when it is close enough
//! to be a typo rather than another word.

use super::Checker;
use crate::types::Type;

/// The edit distance between two names, by characters: insertions,
/// deletions, substitutions and swaps of two neighbours (`cuont` is one
/// edit from `count`), each counting one (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: the distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `name`, if one is within a third of its length
/// (at least one edit from three letters on; a case-only difference always
/// counts). Ties go to
/// the alphabetically first, so diagnostics are the same on every run.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    // One- and two-letter names are too short to have a typo of each other.
    let len = name.chars().count();
    let limit = if len < 3 { 0 } else { (len / 3).max(1) };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name || c.is_empty() || c.starts_with('<') {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(name) {
            0
        } else {
            edit_distance(name, c)
        };
        if d > limit {
            continue;
        }
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

impl Checker {
    /// After "cannot find `name`": the closest variable in scope, cell,
    /// constant, variant or builtin.
    pub(super) fn suggest_name(&mut self, name: &str) {
        let mut names: Vec<String> = Vec::new();
        for body in &self.bodies {
            names.extend(body.scopes.names().map(str::to_string));
        }
        // Declarations of this module are keyed by their plain names here
        // (imported ones by `module::Name`, shown as written).
        let plain = |k: &String| !k.contains("::");
        names.extend(self.cell_names.keys().filter(|k| plain(k)).cloned());
        names.extend(self.const_syntax.keys().filter(|k| plain(k)).cloned());
        names.extend(self.types.variants.keys().cloned());
        names.extend(self.generic_types.variants.keys().cloned());
        names.extend(super::calls::builtin_names().map(str::to_string));
        if let Some(hit) = closest(name, names.iter().map(String::as_str)) {
            self.push_help(format!("did you mean `{hit}`?"));
        }
    }

    /// After "`ty` has no field `field`".
    pub(super) fn suggest_field(&mut self, ty: Type, field: &str) -> bool {
        let Type::Record(n) = ty else { return false };
        let fields: Vec<String> = self.types.records[n.id as usize]
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        self.suggest_among(field, &fields)
    }

    /// After "`ty` has no method `name`": a method of the type with a
    /// similar name, or the builtin function of that name, called with the
    /// receiver as its first argument (`s.upper()` → `upper(s)`).
    pub(super) fn suggest_method(
        &mut self,
        ty: Type,
        name: &str,
        receiver: Option<&str>,
        has_args: bool,
    ) {
        let methods: Vec<String> = self
            .methods
            .by_type
            .keys()
            .filter(|(t, _)| *t == ty)
            .map(|(_, m)| m.clone())
            .collect();
        if methods.iter().any(|m| m == name) {
            return;
        }
        let builtin = super::calls::is_checked_builtin(name);
        if builtin {
            let receiver = receiver.unwrap_or("x");
            let call = if has_args {
                format!("{name}({receiver}, …)")
            } else {
                format!("{name}({receiver})")
            };
            self.push_help(format!(
                "`{name}` is a function, not a method: call it as `{call}`"
            ));
            return;
        }
        self.suggest_among(name, &methods);
    }

    /// After "`Enum` has no variant `name`".
    pub(super) fn suggest_variant(&mut self, enum_id: u32, name: &str) {
        let variants: Vec<String> = self.types.enums[enum_id as usize]
            .variants
            .iter()
            .map(|v| v.name.clone())
            .collect();
        self.suggest_among(name, &variants);
    }

    fn suggest_among(&mut self, name: &str, candidates: &[String]) -> bool {
        match closest(name, candidates.iter().map(String::as_str)) {
            Some(hit) => {
                self.push_help(format!("did you mean `{hit}`?"));
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, edit_distance};

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("lenght", "length"), 1);
        assert_eq!(edit_distance("cuont", "count"), 1);
    }

    #[test]
    fn close_enough() {
        assert_eq!(
            closest("lenght", ["length", "len"]),
            Some("length".to_string())
        );
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(
            closest("totl", ["total", "totals"]),
            Some("total".to_string())
        );
        assert_eq!(closest("count", ["total"]), None);
        assert_eq!(closest("Name", ["name"]), Some("name".to_string()));
    }
}
