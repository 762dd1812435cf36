//! `.lm.md` support: keeps only the code of fenced blocks whose info string is
//! `lumen`, blanking everything else so offsets, lines and columns of the
//! result are exactly those of the markdown file.

/// Returns a string of the same byte length as `md` in which every byte outside
/// a ```` ```lumen ```` fenced block is a space (newlines are kept, the fence
/// lines themselves are blanked). Fences may use three or more backticks or
/// tildes, indented by up to three spaces (CommonMark).
pub fn extract_markdown_code(md: &str) -> String {
    let mut out = Vec::with_capacity(md.len());
    // The open fence: its character and length, and whether it is a lumen block.
    let mut fence: Option<(u8, usize, bool)> = None;
    for line in md.split_inclusive('\n') {
        let keep = match fence {
            None => {
                if let Some((ch, len, info)) = fence_open(line) {
                    let lang = info.split_whitespace().next().unwrap_or("");
                    fence = Some((ch, len, lang == "lumen"));
                }
                false
            }
            Some((ch, len, is_lumen)) => {
                if fence_close(line, ch, len) {
                    fence = None;
                    false
                } else {
                    is_lumen
                }
            }
        };
        if keep {
            out.extend_from_slice(line.as_bytes());
        } else {
            out.extend(
                line.bytes()
                    .map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' }),
            );
        }
    }
    // Only whole lines of the input or ASCII replacements were written, so
    // the bytes are valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `(fence char, fence length, info string)` if `line` opens a fence.
fn fence_open(line: &str) -> Option<(u8, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let ch = *trimmed.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = trimmed.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = trimmed[len..].trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some((ch, len, info))
}

fn fence_close(line: &str, ch: u8, len: usize) -> bool {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return false;
    }
    let n = trimmed.bytes().take_while(|&b| b == ch).count();
    n >= len && trimmed[n..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offsets() {
        let md = "# Títle ü\n\n```lumen\nlet x = 1\n```\ntext\n```python\nx = 2\n```\n```lumen\nprint(x)\n```";
        let code = extract_markdown_code(md);
        assert_eq!(code.len(), md.len());
        let lines: Vec<&str> = code.split('\n').collect();
        assert_eq!(lines[3], "let x = 1");
        assert_eq!(lines[7].trim(), "");
        assert_eq!(lines[10], "print(x)");
        assert_eq!(code.find("let"), md.find("let"));
    }
}
