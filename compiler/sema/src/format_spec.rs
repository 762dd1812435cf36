//! Parsing and checking interpolation format specs (`semantics.md` §7):
//! `[[fill]align][+][#][0][width][.precision][f|x|X|o|b]`.

use crate::hir::FormatSpec;
use crate::types::Type;

/// Parses a spec; `None` when the text is not a valid spec.
pub fn parse(text: &str) -> Option<FormatSpec> {
    let chars: Vec<char> = text.chars().collect();
    let mut spec = FormatSpec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        spec.fill = Some(chars[0]);
        spec.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && is_align(chars[0]) {
        spec.align = Some(chars[0]);
        i = 1;
    }
    if chars.get(i) == Some(&'+') {
        spec.plus = true;
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        spec.alt = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        spec.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<u32> {
        let start = *i;
        while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        chars[start..*i].iter().collect::<String>().parse().ok()
    };
    let width_start = i;
    spec.width = digits(&mut i);
    if spec.width.is_none() && i > width_start {
        // A width of 2^32 or more: invalid, never wrapped or dropped.
        return None;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        spec.precision = Some(digits(&mut i)?);
    }
    if let Some(&c) = chars.get(i) {
        if matches!(c, 'f' | 'x' | 'X' | 'o' | 'b') {
            spec.kind = Some(c);
            i += 1;
        }
    }
    (i == chars.len()).then_some(spec)
}

/// Why a spec does not apply to a value of type `ty`, if it does not.
pub fn check(spec: &FormatSpec, ty: Type) -> Result<(), String> {
    let radix = matches!(spec.kind, Some('x' | 'X' | 'o' | 'b'));
    match ty {
        Type::Int => {
            if radix && spec.precision.is_some() {
                return Err("a precision cannot be combined with a radix".into());
            }
            Ok(())
        }
        Type::Float => {
            if radix || spec.alt {
                return Err("`x`, `X`, `o`, `b` and `#` apply only to Int".into());
            }
            Ok(())
        }
        Type::Error | Type::Never => Ok(()),
        other => {
            if spec.precision.is_some() || spec.plus || spec.zero || spec.alt || spec.kind.is_some()
            {
                Err(format!(
                    "only fill, alignment and width apply to a value of type {other}"
                ))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_part() {
        let s = parse("*^+#010.3x").unwrap_or_default();
        assert_eq!(s.fill, Some('*'));
        assert_eq!(s.align, Some('^'));
        assert!(s.plus && s.alt && s.zero);
        assert_eq!(s.width, Some(10));
        assert_eq!(s.precision, Some(3));
        assert_eq!(s.kind, Some('x'));
        assert_eq!(parse(".2").map(|s| s.precision), Some(Some(2)));
        assert_eq!(
            parse("05").map(|s| (s.zero, s.width)),
            Some((true, Some(5)))
        );
        assert!(parse("abc").is_none());
        assert!(parse("").is_some());
    }

    #[test]
    fn rejects_specs_that_do_not_apply() {
        assert!(check(&parse("x").unwrap_or_default(), Type::Float).is_err());
        assert!(check(&parse(".2").unwrap_or_default(), Type::Str).is_err());
        assert!(check(&parse(">8").unwrap_or_default(), Type::Str).is_ok());
        assert!(check(&parse(".2").unwrap_or_default(), Type::Int).is_ok());
    }
}
