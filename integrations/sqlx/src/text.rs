//! SQL text helpers for database spans, following the OpenTelemetry database
//! semantic conventions: [`sanitize`] builds a literal-free `db.query.text`
//! and [`summary`] builds a low-cardinality `db.query.summary`. Both share
//! one small lexer that understands the Postgres and `SQLite` dialects.

/// The kind of a lexical token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A keyword or bare identifier, such as `SELECT` or `t1`.
    Word,
    /// A quoted identifier: `"..."`, `U&"..."`, a backtick name or `[...]`.
    Quoted,
    /// A string literal, including prefixed (`E'..'`) and dollar-quoted forms.
    Str,
    /// A numeric literal: integer, decimal, exponent or hexadecimal.
    Number,
    /// A bind placeholder such as `?`, `?1`, `$1`, `$name`, `:name` or `@name`.
    Placeholder,
    /// Any other symbol: operators, parentheses, commas, dots and so on.
    Punct,
    /// A `--` line comment or a (possibly nested) `/* */` block comment.
    Comment,
    /// A run of whitespace.
    Space,
}

/// One token: its kind and the byte range it covers in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// What sort of token this is.
    pub(crate) kind: Kind,
    /// Byte offset of the first byte of the token.
    pub(crate) start: usize,
    /// Byte offset just past the last byte of the token.
    pub(crate) end: usize,
}

impl Token {
    /// Returns the source text covered by this token.
    pub(crate) fn text(self, sql: &str) -> &str {
        &sql[self.start..self.end]
    }

    /// Tells whether this token is the punctuation `p`.
    fn is_punct(self, sql: &str, p: &str) -> bool {
        self.kind == Kind::Punct && self.text(sql) == p
    }

    /// Tells whether this token is whitespace or a comment.
    fn is_trivia(self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }
}

/// Splits SQL text into tokens. It never fails, always makes progress, and
/// the tokens it yields cover the input exactly, in order.
pub(crate) struct Lexer<'a> {
    /// The text being split.
    sql: &'a str,
    /// Byte offset where the next token starts.
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// Creates a lexer positioned at the start of `sql`.
    pub(crate) fn new(sql: &'a str) -> Self {
        Self { sql, pos: 0 }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let rest = &self.sql[self.pos..];
        let b = rest.as_bytes();
        let mut chars = rest.chars();
        let c = chars.next()?;
        let (c2, c3) = (chars.next(), chars.next());
        let (kind, len) = match c {
            _ if c.is_whitespace() => (Kind::Space, span(rest, char::is_whitespace)),
            '-' if c2 == Some('-') => (Kind::Comment, rest.find('\n').unwrap_or(rest.len())),
            '/' if c2 == Some('*') => (Kind::Comment, block_comment(b)),
            '\'' => (Kind::Str, quoted(b, 0, false)),
            'e' | 'E' if c2 == Some('\'') => (Kind::Str, quoted(b, 1, true)),
            'b' | 'B' | 'x' | 'X' | 'n' | 'N' if c2 == Some('\'') => {
                (Kind::Str, quoted(b, 1, false))
            }
            'u' | 'U' if c2 == Some('&') && c3 == Some('\'') => (Kind::Str, quoted(b, 2, false)),
            'u' | 'U' if c2 == Some('&') && c3 == Some('"') => (Kind::Quoted, quoted(b, 2, false)),
            '"' | '`' => (Kind::Quoted, quoted(b, 0, false)),
            '[' => bracket(rest).map_or((Kind::Punct, 1), |n| (Kind::Quoted, n)),
            '$' => dollar(rest),
            '?' => (Kind::Placeholder, 1 + digits(&rest[1..])),
            ':' if c2 == Some(':') => (Kind::Punct, 2),
            ':' | '@' if c2.is_some_and(ident_start) => {
                (Kind::Placeholder, 1 + span(&rest[1..], ident_char))
            }
            _ if c.is_ascii_digit() || (c == '.' && c2.is_some_and(|c| c.is_ascii_digit())) => {
                (Kind::Number, number(b))
            }
            _ if ident_start(c) => (Kind::Word, span(rest, ident_char)),
            _ => (Kind::Punct, c.len_utf8()),
        };
        let start = self.pos;
        self.pos += len;
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

/// Tells whether `c` may start a bare identifier or keyword.
fn ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Tells whether `c` may continue a bare identifier (Postgres allows `$`).
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Returns the byte length of the longest prefix of `s` whose chars satisfy `pred`.
fn span(s: &str, pred: impl Fn(char) -> bool) -> usize {
    s.find(|c| !pred(c)).unwrap_or(s.len())
}

/// Returns the byte length of the run of ASCII digits that starts `s`.
fn digits(s: &str) -> usize {
    span(s, |c| c.is_ascii_digit())
}

/// Returns the length of a quoted token whose opening quote is at byte `open`.
/// A doubled quote stands for itself; with `backslash`, `\` escapes the next
/// byte. An unterminated token runs to the end of the input.
fn quoted(b: &[u8], open: usize, backslash: bool) -> usize {
    let q = b[open];
    let mut i = open + 1;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
        } else if b[i] != q {
            i += 1;
        } else if b.get(i + 1) == Some(&q) {
            i += 2;
        } else {
            return i + 1;
        }
    }
    b.len()
}

/// Returns the length of a block comment, honouring Postgres nesting.
fn block_comment(b: &[u8]) -> usize {
    let (mut depth, mut i) = (0usize, 0);
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => (depth, i) = (depth + 1, i + 2),
            (b'*', b'/') if depth == 1 => return i + 2,
            (b'*', b'/') => (depth, i) = (depth - 1, i + 2),
            _ => i += 1,
        }
    }
    b.len()
}

/// Returns the length of a number: `0x` and hexadecimal digits, or decimal
/// digits (with `_` separators), an optional fraction and an optional exponent.
fn number(b: &[u8]) -> usize {
    if matches!(b, [b'0', b'x' | b'X', c, ..] if c.is_ascii_hexdigit()) {
        return 2 + b[2..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit() || **c == b'_')
            .count();
    }
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let digits = |mut i: usize| {
        while digit(i) || (b.get(i) == Some(&b'_') && digit(i + 1)) {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if b.get(i) == Some(&b'.') && b.get(i + 1) != Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let j = i + 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if digit(j) {
            i = digits(j);
        }
    }
    i
}

/// Lexes what starts with `$`: a `$1` or `$name` placeholder, a `$$` or
/// `$tag$` dollar-quoted string (to the end if unterminated), or a lone `$`.
fn dollar(rest: &str) -> (Kind, usize) {
    let after = &rest[1..];
    if digits(after) > 0 {
        return (Kind::Placeholder, 1 + digits(after));
    }
    let tag = if after.starts_with(ident_start) {
        span(after, |c| c.is_alphanumeric() || c == '_')
    } else {
        0
    };
    if after[tag..].starts_with('$') {
        let delim = &rest[..tag + 2];
        let body = &rest[delim.len()..];
        (
            Kind::Str,
            body.find(delim).map_or(rest.len(), |n| 2 * delim.len() + n),
        )
    } else if tag > 0 {
        (Kind::Placeholder, 1 + tag)
    } else {
        (Kind::Punct, 1)
    }
}

/// Returns the length of a `[name]` identifier (`SQLite`), or `None` when the
/// bracket is rather a Postgres subscript or array, such as `a[1]` or
/// `ARRAY['x']`: the content must start like an identifier and hold only
/// identifier characters and spaces.
fn bracket(rest: &str) -> Option<usize> {
    let inner = &rest[1..];
    let n = span(inner, |c| ident_char(c) || c == ' ');
    (inner.starts_with(ident_start) && inner[n..].starts_with(']')).then_some(n + 2)
}

/// Tells whether `word` is one of the space-separated `words`, ignoring ASCII case.
fn is_any(word: &str, words: &[&str]) -> bool {
    words.iter().any(|k| word.eq_ignore_ascii_case(k))
}

/// Tells whether the token is a literal that sanitization replaces with `?`.
fn is_literal(sql: &str, tok: Token) -> bool {
    match tok.kind {
        Kind::Str | Kind::Number => true,
        Kind::Word => is_any(tok.text(sql), &["TRUE", "FALSE"]),
        _ => false,
    }
}

/// Replaces every literal in `sql` with `?` and removes every comment, as the
/// semantic conventions ask for `db.query.text`. Identifiers, keywords,
/// placeholders, operators and whitespace are kept as written, and a list
/// made only of literals after `IN` becomes `IN (?)`.
#[must_use]
pub(crate) fn sanitize(sql: &str) -> String {
    let toks: Vec<Token> = Lexer::new(sql).collect();
    let mut out = String::with_capacity(sql.len());
    let mut after_comment = false;
    let mut i = 0;
    while let Some(&tok) = toks.get(i) {
        i += 1;
        let gap = std::mem::take(&mut after_comment);
        let spaced = out.is_empty() || out.ends_with(char::is_whitespace);
        match tok.kind {
            Kind::Comment => {
                after_comment = true;
                continue;
            }
            Kind::Space if gap && spaced => continue,
            Kind::Space => {}
            _ if gap && !spaced => out.push(' '),
            _ => {}
        }
        let text = tok.text(sql);
        if let Some(next) = in_list_end(sql, &toks, i) {
            out.push_str(text);
            out.push_str(" (?)");
            i = next;
        } else {
            out.push_str(if is_literal(sql, tok) { "?" } else { text });
        }
    }
    out
}

/// If token `i - 1` is `IN` and the tokens from `i` on form a parenthesised
/// list of literals (each optionally signed), returns the index just past it.
fn in_list_end(sql: &str, toks: &[Token], i: usize) -> Option<usize> {
    let word = toks.get(i.checked_sub(1)?)?;
    if word.kind != Kind::Word || !is_any(word.text(sql), &["IN"]) {
        return None;
    }
    // Steps: 0 wants `(`, 1 wants a sign or literal, 2 a literal, 3 `,` or `)`.
    let mut step = 0;
    for (j, &t) in toks
        .iter()
        .enumerate()
        .skip(i)
        .filter(|(_, t)| !t.is_trivia())
    {
        let p = if t.kind == Kind::Punct {
            t.text(sql)
        } else {
            ""
        };
        step = match (step, p) {
            (0, "(") | (3, ",") => 1,
            (1, "-" | "+") => 2,
            (1 | 2, _) if is_literal(sql, t) => 3,
            (3, ")") => return Some(j + 1),
            _ => return None,
        };
    }
    None
}

/// Operations recognised only at the start of a statement.
const TOP_OPS: &[&str] = &[
    "REPLACE",
    "CALL",
    "EXEC",
    "EXECUTE",
    "CREATE",
    "ALTER",
    "DROP",
    "TRUNCATE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET",
    "SHOW",
    "PRAGMA",
    "VACUUM",
    "ANALYZE",
];
/// Operations also recognised just inside a parenthesis (Postgres data-changing CTEs).
const SUB_OPS: &[&str] = &["INSERT", "UPDATE", "DELETE", "MERGE", "WITH"];
/// Clause keywords that end a comma-separated `FROM` list.
const CLAUSE_END: &[&str] = &[
    "WHERE",
    "GROUP",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "FETCH",
    "FOR",
    "WINDOW",
    "RETURNING",
    "SET",
    "VALUES",
    "ON",
    "UNION",
    "INTERSECT",
    "EXCEPT",
];
/// Words that may precede a name without being it (`ONLY t`, `IF EXISTS t`).
const NAME_PREFIX: &[&str] = &[
    "ONLY",
    "LATERAL",
    "IF",
    "NOT",
    "EXISTS",
    "CONCURRENTLY",
    "ON",
    "RECURSIVE",
];
/// Words between `CREATE`/`ALTER`/`DROP` and the object kind, left out of the summary.
const DDL_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNIQUE",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "VIRTUAL",
];

/// What the next name at the current nesting level means to the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Expect {
    /// Nothing: a name here is not a target.
    #[default]
    Nothing,
    /// A table or object name (after `INTO`, `UPDATE`, `CREATE TABLE`, `CALL`, ...).
    Table,
    /// A `FROM`, `JOIN` or `USING` item: a table, unless it is a function call.
    FromItem,
    /// The name of a common table expression after `WITH` or a comma.
    CteName,
}

/// Summary state of one parenthesis nesting level.
#[derive(Clone, Copy, Debug, Default)]
struct Frame {
    /// What the next name means.
    expect: Expect,
    /// What a name after a comma means (`Nothing` outside name lists).
    list: Expect,
    /// Whether an operation was recognised at this level, so `FROM` is a clause.
    has_op: bool,
}

/// Where a statement may begin, which decides which operations are recognised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Start {
    /// Not at a statement start: only `SELECT` is an operation.
    No,
    /// At the start of a statement: every operation is recognised.
    #[default]
    Top,
    /// Just inside a parenthesis: only `SELECT` and [`SUB_OPS`].
    Sub,
}

/// The walk over the significant tokens that [`summary`] performs.
#[derive(Default)]
struct Summarizer<'a> {
    /// The query text.
    sql: &'a str,
    /// Its tokens, without whitespace and comments.
    toks: Vec<Token>,
    /// Index of the next token to read.
    pos: usize,
    /// Operations and targets found so far, in order.
    items: Vec<String>,
    /// State of the innermost parenthesis level.
    cur: Frame,
    /// States of the enclosing levels.
    outer: Vec<Frame>,
    /// Whether the next token may start a statement.
    start: Start,
}

impl<'a> Summarizer<'a> {
    /// Returns the text of token `j` if it is a word.
    fn word(&self, j: usize) -> Option<&'a str> {
        let t = self.toks.get(j)?;
        (t.kind == Kind::Word).then(|| t.text(self.sql))
    }

    /// Tells whether token `j` is one of the space-separated `words`.
    fn word_in(&self, j: usize, words: &[&str]) -> bool {
        self.word(j).is_some_and(|w| is_any(w, words))
    }

    /// Tells whether token `j` is the punctuation `p`.
    fn punct_is(&self, j: usize, p: &str) -> bool {
        self.toks.get(j).is_some_and(|t| t.is_punct(self.sql, p))
    }

    /// Reads every token and returns the operations and targets found.
    fn run(mut self) -> Vec<String> {
        while let Some(&tok) = self.toks.get(self.pos) {
            self.pos += 1;
            let here = std::mem::replace(&mut self.start, Start::No);
            let text = tok.text(self.sql);
            let name_like = matches!(tok.kind, Kind::Word | Kind::Quoted | Kind::Str);
            if name_like
                && self.cur.expect != Expect::Nothing
                && !is_any(text, &["SELECT", "VALUES", "WITH"])
            {
                self.target(tok);
            } else if tok.kind == Kind::Word {
                self.keyword(text, here);
            } else if tok.kind == Kind::Punct {
                self.punct(text);
            } else {
                self.cur.expect = Expect::Nothing;
            }
        }
        self.items
    }

    /// Handles a name where a target is expected, with its qualification.
    fn target(&mut self, tok: Token) {
        let text = tok.text(self.sql);
        if tok.kind == Kind::Word && is_any(text, NAME_PREFIX) {
            return;
        }
        let expect = std::mem::take(&mut self.cur.expect);
        if tok.kind != Kind::Word && !closed(text) {
            return;
        }
        let mut name = text.to_owned();
        while let Some(&part) = self
            .toks
            .get(self.pos + 1)
            .filter(|_| self.punct_is(self.pos, "."))
        {
            let part_text = part.text(self.sql);
            if !(part.kind == Kind::Word || (part.kind == Kind::Quoted && closed(part_text))) {
                break;
            }
            name.push('.');
            name.push_str(part_text);
            self.pos += 2;
        }
        if expect != Expect::FromItem || !self.punct_is(self.pos, "(") {
            self.items.push(name);
        }
    }

    /// Handles a word that is not a target: an operation or a clause keyword.
    fn keyword(&mut self, text: &str, here: Start) {
        self.cur.expect = Expect::Nothing;
        let call = self.punct_is(self.pos, "(");
        let top = here == Start::Top && !call;
        let next = self.toks.get(self.pos).map(|t| t.kind);
        let named = matches!(next, Some(Kind::Word | Kind::Quoted));
        let is_op = is_any(text, &["SELECT"])
            || (here == Start::Top && is_any(text, &["EXPLAIN"]))
            || ((top || (here == Start::Sub && named && !call)) && is_any(text, SUB_OPS))
            || (top && is_any(text, TOP_OPS))
            || (top && is_any(text, &["START"]) && self.word_in(self.pos, &["TRANSACTION"]));
        let up = text.to_ascii_uppercase();
        if is_op {
            self.operation(text, &up);
            return;
        }
        let after_distinct = self.word_in(self.pos.wrapping_sub(2), &["DISTINCT"]);
        match up.as_str() {
            "QUERY" | "PLAN" | "VERBOSE" if here == Start::Top => self.start = Start::Top,
            "FROM" if after_distinct => {}
            "USING" if call => {}
            "FROM" | "JOIN" | "USING" if self.cur.has_op => {
                (self.cur.expect, self.cur.list) = (Expect::FromItem, Expect::FromItem);
            }
            "INTO" if self.cur.has_op => self.cur.expect = Expect::Table,
            _ if is_any(text, CLAUSE_END) => self.cur.list = Expect::Nothing,
            _ => {}
        }
    }

    /// Records operation `text` (upper-cased as `up`) and what it expects next.
    fn operation(&mut self, text: &str, up: &str) {
        self.cur = Frame::default();
        self.cur.has_op = true;
        let mut op = text.to_owned();
        match up {
            "UPDATE" => {
                self.cur.expect = Expect::Table;
                self.pos += 2 * usize::from(self.word_in(self.pos, &["OR"]));
            }
            "WITH" => (self.cur.expect, self.cur.list) = (Expect::CteName, Expect::CteName),
            "CALL" | "EXEC" | "EXECUTE" | "PRAGMA" => self.cur.expect = Expect::Table,
            "EXPLAIN" | "ANALYZE" => self.start = Start::Top,
            "START" => self.append_word(&mut op),
            "TRUNCATE" | "CREATE" | "ALTER" | "DROP" => {
                if up != "TRUNCATE" {
                    while self.word_in(self.pos, DDL_MODIFIERS) {
                        self.pos += 1;
                    }
                    if self.word_in(self.pos, &["MATERIALIZED", "FOREIGN"]) {
                        self.append_word(&mut op);
                    }
                }
                if up != "TRUNCATE" || self.word_in(self.pos, &["TABLE"]) {
                    self.append_word(&mut op);
                }
                self.cur.expect = Expect::Table;
                if matches!(up, "DROP" | "TRUNCATE") {
                    self.cur.list = Expect::Table;
                }
            }
            _ => {}
        }
        self.items.push(op);
    }

    /// Appends the next token to `op` with a space if it is a word, and skips it.
    fn append_word(&mut self, op: &mut String) {
        if let Some(w) = self.word(self.pos) {
            op.push(' ');
            op.push_str(w);
            self.pos += 1;
        }
    }

    /// Handles punctuation: nesting, statement separators and name lists.
    fn punct(&mut self, p: &str) {
        match p {
            "(" => {
                let mut inner = Frame::default();
                if self.cur.expect == Expect::FromItem {
                    (inner.expect, inner.list, inner.has_op) =
                        (Expect::FromItem, Expect::FromItem, true);
                }
                self.cur.expect = Expect::Nothing;
                self.outer.push(std::mem::replace(&mut self.cur, inner));
                self.start = Start::Sub;
            }
            ")" => {
                self.cur = self.outer.pop().unwrap_or(self.cur);
                if self.cur.list == Expect::CteName {
                    self.start = Start::Top;
                }
            }
            ";" => {
                self.outer.clear();
                self.cur = Frame::default();
                self.start = Start::Top;
            }
            "," => self.cur.expect = self.cur.list,
            _ => self.cur.expect = Expect::Nothing,
        }
    }
}

/// Tells whether a quoted token ends with the quote matching its opening one.
fn closed(text: &str) -> bool {
    let close = match text.chars().next() {
        Some('[') => ']',
        Some(c @ ('\'' | '`')) => c,
        _ => '"',
    };
    text.len() >= 2 && text.ends_with(close)
}

/// Builds `db.query.summary`: each operation followed by its targets, in the
/// order written, as `{operation} {target} {operation} {target} ...`, at most
/// 255 characters long (whole trailing items are dropped). Returns `None` when
/// no operation is recognised.
#[must_use]
pub(crate) fn summary(sql: &str) -> Option<String> {
    let toks = Lexer::new(sql).filter(|t| !t.is_trivia()).collect();
    let walk = Summarizer {
        sql,
        toks,
        ..Summarizer::default()
    };
    let mut out = String::new();
    for item in walk.run() {
        if out.chars().count() + usize::from(!out.is_empty()) + item.chars().count() > 255 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&item);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{sanitize, summary, Kind, Lexer};

    /// Checks `f` on a table of cases, one `input => expected` per line;
    /// `\n` in a case stands for a newline and `<none>` for a `None` summary.
    fn check(f: impl Fn(&str) -> Option<String>, cases: &str) {
        for line in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (input, want) = line.rsplit_once("=> ").expect("case has no `=> `");
            let input = input.trim_end().replace("\\n", "\n");
            let got = f(&input).unwrap_or_else(|| "<none>".to_owned());
            assert_eq!(got, want, "input: {input:?}");
        }
    }

    /// Runs [`check`] with [`sanitize`].
    fn check_sanitize(cases: &str) {
        check(|s| Some(sanitize(s)), cases);
    }

    /// Every literal kind becomes `?`, prefixes and quotes included.
    #[test]
    fn sanitize_literals() {
        check_sanitize(
            r"
            SELECT * FROM users WHERE name = 'bob' AND age > 42 => SELECT * FROM users WHERE name = ? AND age > ?
            a = 'it''s' || '' => a = ? || ?
            a = E'x\'y\\' AND b = e'\t' => a = ? AND b = ?
            VALUES (B'101', x'1F', N'abc', U&'d\0061t') => VALUES (?, ?, ?, ?)
            a = U&'x!0061' UESCAPE '!' => a = ? UESCAPE ?
            SELECT name, e, b, x, n, u FROM t => SELECT name, e, b, x, n, u FROM t
            SELECT $$it's$$, $1 => SELECT ?, $1
            SELECT $fn$ a $$ b $x$ c $fn$ || $x$y$x$ => SELECT ? || ?
            SELECT a$b$, $name => SELECT a$b$, $name
            SELECT 1, 2.5, .5, 3., 1e10, 2.5E-3, 0x1F, 1_000 FROM t => SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM t
            a = -1 AND b=2 AND c=3e AND d=0x => a = -? AND b=? AND c=?e AND d=?x
            SELECT arr[1], arr[i], x::int[] FROM t => SELECT arr[?], arr[i], x::int[] FROM t
            WHERE a = TRUE AND b = false AND c IS NULL AND true_flag = d => WHERE a = ? AND b = ? AND c IS NULL AND true_flag = d
            SELECT 'héllo' AS «x», café FROM tàble => SELECT ? AS «x», café FROM tàble
            ",
        );
    }

    /// Placeholders, identifiers (with digits, quoted in every way) and operators stay as written.
    #[test]
    fn sanitize_keeps_placeholders_and_identifiers() {
        let kept = [
            "SELECT ?, ?1, ?23, $1, $12, :name, @p_1, $v, x::text FROM t WHERE a ?| b AND c @> d",
            r#"SELECT t1.col_2, x1y, "a ""b"" 1", `c 2`, [d 3], U&"e" FROM "t 4" JOIN s3.t_4 ON t1.a IS NULL"#,
            "SELECT \"unterminated identifier",
        ];
        for sql in kept {
            assert_eq!(sanitize(sql), sql);
        }
    }

    /// Comments, nested ones included, vanish; unterminated input turns into `?`.
    #[test]
    fn sanitize_comments_and_unterminated() {
        check_sanitize(
            r"
            SELECT 1 -- secret\nFROM t => SELECT ? FROM t
            SELECT a/* secret */FROM t => SELECT a FROM t
            SELECT a /* x */ FROM t => SELECT a FROM t
            /* a /* nested */ still */SELECT 1 => SELECT ?
            SELECT a /* b /* c */ d */ + 1 => SELECT a + ?
            SELECT 1--x => SELECT ?
            SELECT a-1, b - -2 => SELECT a-?, b - -?
            SELECT 'abc FROM t => SELECT ?
            SELECT E'abc\ => SELECT ?
            SELECT $q$ abc $q => SELECT ?
            ",
        );
        assert_eq!(sanitize("SELECT a /* b /* c */ d"), "SELECT a ");
    }

    /// A list made only of literals after IN collapses to `IN (?)`.
    #[test]
    fn sanitize_collapses_in_lists() {
        check_sanitize(
            r"
            WHERE id IN (1, 2, 3) => WHERE id IN (?)
            WHERE id not in('a','b' , -3) => WHERE id not in (?)
            WHERE id IN (1 /* c */, 2) => WHERE id IN (?)
            WHERE id IN ($1, $2) => WHERE id IN ($1, $2)
            WHERE id IN (1, x) => WHERE id IN (?, x)
            WHERE id IN (SELECT 1) => WHERE id IN (SELECT ?)
            WHERE id IN () => WHERE id IN ()
            WHERE id IN (1, => WHERE id IN (?,
            ",
        );
    }

    /// The lexer classifies each token kind.
    #[test]
    fn lexer_kinds() {
        let sql = "SELECT \"q\" 'S' 1 ?1 , /*c*/\t";
        let kinds: Vec<Kind> = Lexer::new(sql)
            .filter(|t| t.kind != Kind::Space)
            .map(|t| t.kind)
            .collect();
        let expected = [
            Kind::Word,
            Kind::Quoted,
            Kind::Str,
            Kind::Number,
            Kind::Placeholder,
            Kind::Punct,
            Kind::Comment,
        ];
        assert_eq!(kinds, expected);
    }

    /// The examples of the semantic conventions, verbatim.
    #[test]
    fn summary_semconv_examples() {
        check(
            summary,
            r#"
            SELECT * FROM wuser_table WHERE username = ? => SELECT wuser_table
            INSERT INTO shipping_details (order_id, address) SELECT order_id, address FROM orders WHERE order_id = ? => INSERT shipping_details SELECT orders
            SELECT * FROM songs, artists WHERE songs.artist_id == artists.id => SELECT songs artists
            SELECT order_date FROM (SELECT * FROM orders o JOIN customers c ON o.customer_id = c.customer_id) => SELECT SELECT orders customers
            SELECT * FROM "song list", 'artists' => SELECT "song list" 'artists'
            "#,
        );
    }

    /// DML: CTEs, subqueries, set operations, INSERT forms, joins, aliases, schemas.
    #[test]
    fn summary_data_statements() {
        check(
            summary,
            r#"
            WITH recent AS (SELECT * FROM orders) SELECT * FROM recent => WITH recent SELECT orders SELECT recent
            WITH RECURSIVE a(n) AS (SELECT 1), b AS MATERIALIZED (SELECT * FROM a) INSERT INTO t SELECT * FROM b => WITH a SELECT b SELECT a INSERT t SELECT b
            WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d => WITH d DELETE t SELECT d
            UPDATE t SET a = (SELECT max(b) FROM x) WHERE id = 1 => UPDATE t SELECT x
            DELETE FROM t WHERE id IN (SELECT id FROM u) => DELETE t SELECT u
            SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v EXCEPT SELECT d FROM w => SELECT t SELECT u SELECT v SELECT w
            SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) => SELECT t SELECT u
            INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y') RETURNING id => INSERT t
            INSERT INTO t(a) VALUES ($1) ON CONFLICT (id) DO UPDATE SET a = excluded.a => INSERT t
            INSERT OR REPLACE INTO t VALUES (?) => INSERT t
            REPLACE INTO t VALUES (?) => REPLACE t
            MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1 => MERGE t s
            UPDATE OR IGNORE t SET a = 1 => UPDATE t
            UPDATE t SET a = u.a FROM u WHERE u.id = t.id => UPDATE t u
            SELECT * FROM public.orders AS o LEFT OUTER JOIN "S"."c" c ON o.c = c.id CROSS JOIN x NATURAL JOIN y => SELECT public.orders "S"."c" x y
            SELECT * FROM (a JOIN b ON a.id = b.id) JOIN c USING (id) => SELECT a b c
            SELECT * FROM ONLY t, LATERAL (SELECT * FROM u) s => SELECT t SELECT u
            SELECT * FROM [my table] JOIN `b` ON 1 => SELECT [my table] `b`
            SELECT * FROM t FOR UPDATE OF a, b => SELECT t
            SELECT * FROM generate_series(1, 3) AS g => SELECT
            SELECT * FROM generate_series(1, 3) g, t => SELECT t
            SELECT extract(year FROM d), substring(s FROM 2) FROM t => SELECT t
            SELECT * FROM t WHERE a IS DISTINCT FROM b => SELECT t
            SELECT replace(a, 'x', 'y') FROM t => SELECT t
            select * from Users => select Users
            Insert Into MyTable values (1) => Insert MyTable
            BEGIN; UPDATE a SET x = 1; DELETE FROM b; COMMIT; => BEGIN UPDATE a DELETE b COMMIT
            "#,
        );
    }

    /// DDL, transaction and utility statements.
    #[test]
    fn summary_other_statements() {
        check(
            summary,
            r"
            CREATE TABLE IF NOT EXISTS users (id INTEGER REFERENCES orgs(id) ON DELETE CASCADE) => CREATE TABLE users
            create unique index concurrently idx_a on t (a) => create index idx_a
            DROP INDEX idx_a => DROP INDEX idx_a
            DROP TABLE IF EXISTS a, b CASCADE => DROP TABLE a b
            ALTER TABLE ONLY public.t ADD COLUMN c int, ADD COLUMN d int => ALTER TABLE public.t
            TRUNCATE TABLE t => TRUNCATE TABLE t
            TRUNCATE t, u => TRUNCATE t u
            CREATE OR REPLACE VIEW v AS SELECT * FROM t => CREATE VIEW v SELECT t
            CREATE MATERIALIZED VIEW mv AS SELECT 1 => CREATE MATERIALIZED VIEW mv SELECT
            BEGIN IMMEDIATE TRANSACTION => BEGIN
            START TRANSACTION ISOLATION LEVEL SERIALIZABLE => START TRANSACTION
            COMMIT => COMMIT
            ROLLBACK TO SAVEPOINT sp1 => ROLLBACK
            SAVEPOINT sp1 => SAVEPOINT
            RELEASE SAVEPOINT sp1 => RELEASE
            SET search_path TO public => SET
            SHOW server_version => SHOW
            PRAGMA foreign_keys = ON => PRAGMA foreign_keys
            PRAGMA main.table_info(users) => PRAGMA main.table_info
            VACUUM FULL t => VACUUM
            ANALYZE t => ANALYZE
            EXPLAIN QUERY PLAN SELECT * FROM t => EXPLAIN SELECT t
            EXPLAIN ANALYZE UPDATE t SET a = 1 => EXPLAIN ANALYZE UPDATE t
            CALL do_it(1, 'x') => CALL do_it
            ",
        );
    }

    /// Literals and comments never reach the summary; no operation means `None`.
    #[test]
    fn summary_without_literals_or_operation() {
        check(
            summary,
            r"
            SELECT 'secret', 42 /* secret */ FROM t -- secret\nWHERE a = $$secret$$ AND b IN ('secret') => SELECT t
            SELECT * FROM E'secret' => SELECT
            SELECT * FROM 'unterminated secret => SELECT
            PRAGMA key = 'secret' => PRAGMA key
             => <none>
            -- only a comment => <none>
            garbage words here => <none>
            FROM t JOIN u INTO v => <none>
            ((( => <none>
            'x' => <none>
            ;;; => <none>
            ",
        );
    }

    /// The summary is cut at 255 characters, between whole items.
    #[test]
    fn summary_truncates_at_255() {
        let names: Vec<String> = (0..100)
            .map(|i| format!("table_{i:03}_{}", "é".repeat(20)))
            .collect();
        let s = summary(&format!("SELECT * FROM {}", names.join(", "))).unwrap_or_default();
        let kept: Vec<&str> = s.split(' ').collect();
        assert_eq!(kept[0], "SELECT");
        assert_eq!(kept[1..], names[..kept.len() - 1]);
        let len = s.chars().count();
        assert!(
            len <= 255 && len + 1 + names[kept.len() - 1].chars().count() > 255,
            "{len}"
        );
    }

    /// Both functions survive every prefix of tricky inputs, and secrets never leak.
    #[test]
    fn every_prefix_is_safe() {
        let cases = [
            r#"SELECT 'se''cret', E'sec\'ret', $t$secret$t$, $$secret$$ FROM "q""x" WHERE a IN (1, 2.5e3, 0x1F)"#,
            "/* secret /* nested secret */ secret */ INSERT INTO t (a) VALUES (U&'secret', B'101') -- secret",
            "WITH x AS (SELECT * FROM [a b] JOIN `c` ON c.i = ?1) SELECT * FROM x, generate_series(1, $1) g;",
            "SELECT 'héllo secret' AS «ü», :name, @p, x::int[], arr[1] FROM café; DROP TABLE IF EXISTS a, b",
        ];
        for sql in cases {
            for end in sql.char_indices().map(|(i, _)| i).chain([sql.len()]) {
                let prefix = &sql[..end];
                let mut at = 0;
                for tok in Lexer::new(prefix) {
                    assert!(tok.start == at && tok.end > tok.start);
                    at = tok.end;
                }
                assert_eq!(at, prefix.len());
                assert!(!sanitize(prefix).contains("secret"), "{prefix:?}");
                let s = summary(prefix).unwrap_or_default();
                assert!(
                    !s.contains("secret") && s.chars().count() <= 255,
                    "{prefix:?}"
                );
            }
        }
    }
}
