//! Exact parsing and comparison of Kubernetes resource quantities
//! (`resource.Quantity`, e.g. `500m`, `1.5Gi`, `12e6`).
//!
//! Accepted syntax follows the Kubernetes API server: an optional sign, a
//! decimal number (`1`, `1.5`, `1.`, `.5`) and a suffix. Suffixes are
//! case-sensitive: binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m "" k M G T P E`
//! (`n` and `u` are not in the documented grammar but the API server accepts
//! them), or an integer exponent `e3` / `E-3`. A bare trailing `E` is exa
//! (10^18); a bare trailing `e` is invalid. Whitespace is never allowed.
//!
//! Every value is kept exactly as `±digits × 10^d × 2^b`, so equality and
//! ordering are exact (`1Gi == 1024Mi`, `0.1 == 100m`). To keep comparisons
//! cheap the written exponent of the `e`/`E` form is limited to
//! ±[`MAX_EXPONENT`]; larger exponents are rejected with
//! [`QuantityError::ExponentOutOfRange`].

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Largest absolute exponent accepted in the `e`/`E` form (`1e10000` is the
/// largest power of ten that parses, `1e-10000` the smallest).
pub const MAX_EXPONENT: i64 = 10_000;

/// The suffix family a quantity was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Decimal SI suffix (`m`, `k`, `M`, ...) or no suffix at all.
    DecimalSI,
    /// Binary suffix (`Ki`, `Mi`, `Gi`, ...).
    BinarySI,
    /// Decimal exponent (`e3`, `E-6`, ...).
    DecimalExponent,
}

/// Why a string is not a valid quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// The string is empty.
    Empty,
    /// The string contains whitespace somewhere.
    Whitespace,
    /// A suffix with no number in front of it (holds the whole input).
    MissingNumber(String),
    /// The numeric part is malformed (holds the whole input).
    InvalidNumber(String),
    /// `e`/`E` is not followed by a valid integer (holds the whole input).
    InvalidExponent(String),
    /// The suffix is not recognised (holds only the suffix).
    UnknownSuffix(String),
    /// The exponent exceeds ±[`MAX_EXPONENT`] (holds the whole input).
    ExponentOutOfRange(String),
}

/// Valid suffixes with a short description, used in error messages.
const SUFFIXES: &[(&str, &str)] = &[
    ("n", "10^-9"),
    ("u", "10^-6"),
    ("m", "10^-3"),
    ("k", "10^3"),
    ("M", "10^6"),
    ("G", "10^9"),
    ("T", "10^12"),
    ("P", "10^15"),
    ("E", "10^18"),
    ("Ki", "2^10"),
    ("Mi", "2^20"),
    ("Gi", "2^30"),
    ("Ti", "2^40"),
    ("Pi", "2^50"),
    ("Ei", "2^60"),
];

fn describe(suffix: &str) -> String {
    let desc = SUFFIXES
        .iter()
        .find(|(s, _)| *s == suffix)
        .map_or("", |(_, d)| d);
    format!("`{suffix}` ({desc})")
}

/// Hint for a suffix that looks like a byte unit (`MB`, `gb`, `MiB`, `B`).
fn byte_unit_hint(suffix: &str) -> Option<String> {
    let lower = suffix.to_ascii_lowercase();
    let stem = lower.strip_suffix('b')?;
    if stem.is_empty() {
        return Some("quantities carry no unit, write the plain number of bytes".to_string());
    }
    let (letter, binary_only) = match stem.as_bytes() {
        [l] => (*l, false),
        [l, b'i'] => (*l, true),
        _ => return None,
    };
    let (dec, bin) = match letter {
        b'k' => ("k", "Ki"),
        b'm' => ("M", "Mi"),
        b'g' => ("G", "Gi"),
        b't' => ("T", "Ti"),
        b'p' => ("P", "Pi"),
        b'e' => ("E", "Ei"),
        _ => return None,
    };
    Some(if binary_only {
        format!("use {}", describe(bin))
    } else {
        format!("use {} or {}", describe(dec), describe(bin))
    })
}

/// Hint for a suffix that is valid except for its letter case (`gi`, `K`).
fn case_hint(suffix: &str) -> Option<String> {
    let mut candidates: Vec<&str> = SUFFIXES
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| s.eq_ignore_ascii_case(suffix))
        .collect();
    if suffix == "K" {
        candidates.push("Ki");
    }
    if candidates.is_empty() {
        return None;
    }
    let list: Vec<String> = if candidates.len() == 1 {
        vec![format!("`{}`", candidates[0])]
    } else {
        candidates.iter().map(|c| describe(c)).collect()
    };
    Some(format!(
        "suffixes are case-sensitive, use {}",
        list.join(" or ")
    ))
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => f.write_str("empty quantity"),
            QuantityError::Whitespace => {
                f.write_str("quantity must not contain whitespace (write `1Gi`, not `1 Gi`)")
            }
            QuantityError::MissingNumber(s) => {
                write!(f, "`{s}` has no number in front of its suffix")
            }
            QuantityError::InvalidNumber(s) => write!(f, "`{s}` is not a valid number"),
            QuantityError::InvalidExponent(s) => write!(
                f,
                "`{s}` has a malformed exponent: `e`/`E` must be followed by an integer like `3` or `-3`"
            ),
            QuantityError::ExponentOutOfRange(s) => write!(
                f,
                "the exponent in `{s}` is outside the supported range of ±{MAX_EXPONENT}"
            ),
            QuantityError::UnknownSuffix(sfx) => {
                if let Some(hint) = byte_unit_hint(sfx).or_else(|| case_hint(sfx)) {
                    write!(f, "unknown suffix `{sfx}`: {hint}")
                } else {
                    let all: Vec<&str> = SUFFIXES.iter().map(|(s, _)| *s).collect();
                    write!(
                        f,
                        "unknown suffix `{sfx}`: expected one of {} or an exponent like `e3`",
                        all.join(", ")
                    )
                }
            }
        }
    }
}

impl std::error::Error for QuantityError {}

/// An exactly represented Kubernetes quantity.
///
/// The value is `(-1)^negative × mantissa × 10^dec_exp × 2^bin_exp`.
/// Equality and ordering compare this numeric value, not the spelling.
#[derive(Clone, Debug)]
pub struct Quantity {
    /// The input text, exactly as parsed.
    text: String,
    /// Byte offset in `text` where the suffix starts.
    suffix_start: usize,
    format: Format,
    /// Never true for zero.
    negative: bool,
    /// Decimal digits (0..=9), most significant first, no leading or
    /// trailing zeros; empty for zero.
    mantissa: Vec<u8>,
    dec_exp: i64,
    /// One of 0, 10, 20, ..., 60.
    bin_exp: u32,
}

/// Scale of a known (non-exponent) suffix: format, power of ten, power of two.
fn suffix_scale(s: &str) -> Option<(Format, i64, u32)> {
    let scale = match s {
        "Ki" => (Format::BinarySI, 0, 10),
        "Mi" => (Format::BinarySI, 0, 20),
        "Gi" => (Format::BinarySI, 0, 30),
        "Ti" => (Format::BinarySI, 0, 40),
        "Pi" => (Format::BinarySI, 0, 50),
        "Ei" => (Format::BinarySI, 0, 60),
        "n" => (Format::DecimalSI, -9, 0),
        "u" => (Format::DecimalSI, -6, 0),
        "m" => (Format::DecimalSI, -3, 0),
        "" => (Format::DecimalSI, 0, 0),
        "k" => (Format::DecimalSI, 3, 0),
        "M" => (Format::DecimalSI, 6, 0),
        "G" => (Format::DecimalSI, 9, 0),
        "T" => (Format::DecimalSI, 12, 0),
        "P" => (Format::DecimalSI, 15, 0),
        "E" => (Format::DecimalSI, 18, 0),
        _ => return None,
    };
    Some(scale)
}

/// If `rest` is meant as an exponent (`e`/`E` alone or followed by a sign or
/// digit), return the text after the `e`/`E`.
fn exponent_tail(rest: &str) -> Option<&str> {
    let tail = rest.strip_prefix(['e', 'E'])?;
    match tail.as_bytes().first() {
        None | Some(b'+' | b'-' | b'0'..=b'9') => Some(tail),
        Some(_) => None,
    }
}

fn parse_exponent(input: &str, tail: &str) -> Result<i64, QuantityError> {
    let (negative, digits) = match tail.as_bytes().first() {
        Some(b'-') => (true, &tail[1..]),
        Some(b'+') => (false, &tail[1..]),
        _ => (false, tail),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QuantityError::InvalidExponent(input.to_string()));
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value * 10 + i64::from(b - b'0');
        if value > MAX_EXPONENT {
            return Err(QuantityError::ExponentOutOfRange(input.to_string()));
        }
    }
    Ok(if negative { -value } else { value })
}

/// Multiply a decimal digit vector (most significant first) by a small factor.
fn mul_small(digits: &mut Vec<u8>, factor: u64) {
    debug_assert!(factor <= 1 << 32);
    if digits.is_empty() {
        return;
    }
    let mut carry: u64 = 0;
    for d in digits.iter_mut().rev() {
        let v = u64::from(*d) * factor + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    let mut prefix = Vec::new();
    while carry > 0 {
        prefix.push((carry % 10) as u8);
        carry /= 10;
    }
    prefix.reverse();
    digits.splice(0..0, prefix);
}

/// `digits × 2^exp` as a new decimal digit vector.
fn mul_pow2(digits: &[u8], mut exp: u32) -> Vec<u8> {
    let mut out = digits.to_vec();
    while exp > 0 {
        let step = exp.min(32);
        mul_small(&mut out, 1u64 << step);
        exp -= step;
    }
    out
}

/// Convert a decimal digit vector to `u128`, `None` on overflow.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

impl Quantity {
    /// Parse a quantity string such as `500m`, `1.5Gi` or `12e6`.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        if s.chars().any(char::is_whitespace) {
            return Err(QuantityError::Whitespace);
        }
        let bytes = s.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        match bytes[0] {
            b'+' => pos = 1,
            b'-' => {
                negative = true;
                pos = 1;
            }
            _ => {}
        }
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &s[int_start..pos];
        let mut frac_digits = "";
        let has_point = pos < bytes.len() && bytes[pos] == b'.';
        if has_point {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &s[frac_start..pos];
        }
        let rest = &s[pos..];
        if int_digits.is_empty() && frac_digits.is_empty() {
            let starts_alpha = rest.chars().next().is_some_and(char::is_alphabetic);
            return Err(if !has_point && starts_alpha {
                QuantityError::MissingNumber(s.to_string())
            } else {
                QuantityError::InvalidNumber(s.to_string())
            });
        }

        let (format, exp10, bin_exp) = if let Some(scale) = suffix_scale(rest) {
            scale
        } else if let Some(tail) = exponent_tail(rest) {
            (Format::DecimalExponent, parse_exponent(s, tail)?, 0)
        } else if rest.chars().next().is_some_and(char::is_alphabetic) {
            return Err(QuantityError::UnknownSuffix(rest.to_string()));
        } else {
            return Err(QuantityError::InvalidNumber(s.to_string()));
        };

        let mut mantissa: Vec<u8> = int_digits
            .bytes()
            .chain(frac_digits.bytes())
            .map(|b| b - b'0')
            .skip_while(|&d| d == 0)
            .collect();
        let mut dec_exp = exp10 - frac_digits.len() as i64;
        while mantissa.last() == Some(&0) {
            mantissa.pop();
            dec_exp += 1;
        }
        if mantissa.is_empty() {
            dec_exp = 0;
            negative = false;
        }
        Ok(Quantity {
            text: s.to_string(),
            suffix_start: pos,
            format,
            negative,
            mantissa,
            dec_exp,
            bin_exp,
        })
    }

    /// The quantity exactly as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which suffix family was written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The suffix as written: `""`, `"m"`, `"Ki"`, `"e3"`, `"E+03"`, ...
    pub fn suffix(&self) -> &str {
        &self.text[self.suffix_start..]
    }

    /// True if the value is strictly below zero (`-0` is not negative).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// True if the value is zero (`0`, `-0.0`, `0Gi`, ...).
    pub fn is_zero(&self) -> bool {
        self.mantissa.is_empty()
    }

    /// Approximate value in base units (may be infinite or 0 for extreme exponents).
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let digits: String = self.mantissa.iter().map(|d| char::from(b'0' + d)).collect();
        let magnitude: f64 = format!("{digits}e{}", self.dec_exp)
            .parse()
            .unwrap_or(f64::NAN);
        let value = magnitude * 2f64.powi(self.bin_exp as i32);
        if self.negative {
            -value
        } else {
            value
        }
    }

    /// Value in base units rounded up to an integer (Kubernetes `Value()`);
    /// `None` if it does not fit `i128`.
    pub fn value_ceil(&self) -> Option<i128> {
        self.scaled_ceil(0)
    }

    /// Value in milli-units rounded up (Kubernetes `MilliValue()`);
    /// `None` if it does not fit `i128`.
    pub fn milli_value_ceil(&self) -> Option<i128> {
        self.scaled_ceil(3)
    }

    /// True if the value has a fractional part below 1 milli-unit, i.e. it
    /// would be rounded by the API server (e.g. `0.0001` CPU, `1u`).
    pub fn has_sub_milli_precision(&self) -> bool {
        let d = self.dec_exp + 3;
        if self.is_zero() || d >= 0 {
            return false;
        }
        let (_, fraction_nonzero) = self.split_scaled(d);
        fraction_nonzero
    }

    /// Split `|value| × 10^(d - dec_exp)` (with `d < 0` the combined decimal
    /// exponent) into integer digits and whether a non-zero fraction remains.
    fn split_scaled(&self, d: i64) -> (Vec<u8>, bool) {
        debug_assert!(d < 0);
        let v = mul_pow2(&self.mantissa, self.bin_exp);
        let k = usize::try_from(-d).unwrap_or(usize::MAX);
        if k >= v.len() {
            (Vec::new(), !v.is_empty())
        } else {
            let (int, frac) = v.split_at(v.len() - k);
            (int.to_vec(), frac.iter().any(|&x| x != 0))
        }
    }

    /// Ceiling of `value × 10^shift` as `i128`.
    fn scaled_ceil(&self, shift: i64) -> Option<i128> {
        if self.is_zero() {
            return Some(0);
        }
        let d = self.dec_exp + shift;
        let (int_digits, has_fraction) = if d >= 0 {
            // |value| ≥ 10^(len - 1 + d); i128 holds less than 10^39.
            if self.mantissa.len() as i64 + d > 40 {
                return None;
            }
            let mut v = mul_pow2(&self.mantissa, self.bin_exp);
            v.resize(v.len() + d as usize, 0);
            (v, false)
        } else {
            self.split_scaled(d)
        };
        let magnitude = digits_to_u128(&int_digits)?;
        if self.negative {
            // ceil(-x) = -floor(x)
            0i128.checked_sub_unsigned(magnitude)
        } else {
            let rounded = magnitude.checked_add(u128::from(has_fraction))?;
            i128::try_from(rounded).ok()
        }
    }

    /// Rough base-10 logarithm of the magnitude (non-zero values only).
    fn approx_log10(&self) -> f64 {
        (self.mantissa.len() as f64 + self.dec_exp as f64)
            + f64::from(self.bin_exp) * std::f64::consts::LOG10_2
    }

    /// Exact comparison of the magnitudes of two non-zero quantities.
    fn cmp_magnitude(&self, other: &Quantity) -> Ordering {
        // log10 of each value lies within [approx - 1, approx); a gap of more
        // than two decides the comparison without big-number arithmetic.
        let (la, lb) = (self.approx_log10(), other.approx_log10());
        if la + 2.0 < lb {
            return Ordering::Less;
        }
        if lb + 2.0 < la {
            return Ordering::Greater;
        }
        let d = self.dec_exp.min(other.dec_exp);
        let b = self.bin_exp.min(other.bin_exp);
        let scale = |q: &Quantity| {
            let mut v = mul_pow2(&q.mantissa, q.bin_exp - b);
            v.resize(v.len() + (q.dec_exp - d) as usize, 0);
            v
        };
        let (left, right) = (scale(self), scale(other));
        left.len().cmp(&right.len()).then_with(|| left.cmp(&right))
    }

    fn signum(&self) -> i8 {
        if self.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        Quantity::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        let (sa, sb) = (self.signum(), other.signum());
        if sa != sb {
            return sa.cmp(&sb);
        }
        match sa {
            0 => Ordering::Equal,
            1 => self.cmp_magnitude(other),
            _ => self.cmp_magnitude(other).reverse(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn err(s: &str) -> QuantityError {
        match Quantity::parse(s) {
            Ok(v) => panic!("{s:?} should be rejected, got {v:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn parses_valid_forms() {
        for s in [
            "0", "1", "+1", "-1", "1.", ".5", "-.5", "+.5", "1.5", "500m", "1Ki", "1Mi", "1Gi",
            "1Ti", "1Pi", "1Ei", "1n", "1u", "1k", "1M", "1G", "1T", "1P", "1E", "1e3", "1E3",
            "1e+3", "1e-3", "1E-03", "1.e3", ".5e1", "0.0001", "007", "1e0", "-0",
        ] {
            assert!(Quantity::parse(s).is_ok(), "{s:?} should parse");
            assert_eq!(s.parse::<Quantity>().unwrap().as_str(), s);
        }
    }

    #[test]
    fn rejects_invalid_forms() {
        for s in [
            "", " 1Gi", "1 Gi", "1Gi ", "256MB", "1gi", "1K", "0.5.1", "Gi", ".", "1e", "1e1.5",
            "--1", "1_000", "+", "-", "1e+", "1e-", "1e--3", "1.5.Gi", "1,5", "1Gi5", "1KiB", "e3",
            "1ee3", "1%", "0x10", "1\t", "1Ee3",
        ] {
            assert!(Quantity::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn error_variants() {
        assert_eq!(err(""), QuantityError::Empty);
        assert_eq!(err("1 Gi"), QuantityError::Whitespace);
        assert_eq!(err(" 1Gi"), QuantityError::Whitespace);
        assert_eq!(err("1\u{a0}Gi"), QuantityError::Whitespace);
        assert_eq!(err("256MB"), QuantityError::UnknownSuffix("MB".into()));
        assert_eq!(err("1gi"), QuantityError::UnknownSuffix("gi".into()));
        assert_eq!(err("1K"), QuantityError::UnknownSuffix("K".into()));
        assert_eq!(err("1Gi5"), QuantityError::UnknownSuffix("Gi5".into()));
        assert_eq!(err("1ei"), QuantityError::UnknownSuffix("ei".into()));
        assert_eq!(err("1EB"), QuantityError::UnknownSuffix("EB".into()));
        assert_eq!(err("0.5.1"), QuantityError::InvalidNumber("0.5.1".into()));
        assert_eq!(err("."), QuantityError::InvalidNumber(".".into()));
        assert_eq!(err("--1"), QuantityError::InvalidNumber("--1".into()));
        assert_eq!(err("1_000"), QuantityError::InvalidNumber("1_000".into()));
        assert_eq!(err(".Gi"), QuantityError::InvalidNumber(".Gi".into()));
        assert_eq!(err("Gi"), QuantityError::MissingNumber("Gi".into()));
        assert_eq!(err("-Mi"), QuantityError::MissingNumber("-Mi".into()));
        assert_eq!(err("e3"), QuantityError::MissingNumber("e3".into()));
        assert_eq!(err("1e"), QuantityError::InvalidExponent("1e".into()));
        assert_eq!(err("1e1.5"), QuantityError::InvalidExponent("1e1.5".into()));
        assert_eq!(err("1E+"), QuantityError::InvalidExponent("1E+".into()));
        assert_eq!(err("1e+-3"), QuantityError::InvalidExponent("1e+-3".into()));
        assert_eq!(
            err("1e10001"),
            QuantityError::ExponentOutOfRange("1e10001".into())
        );
        assert_eq!(
            err("1e-99999999999999999999999"),
            QuantityError::ExponentOutOfRange("1e-99999999999999999999999".into())
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(err("").to_string(), "empty quantity");
        assert!(err("1 Gi").to_string().contains("whitespace"));
        assert_eq!(
            err("256MB").to_string(),
            "unknown suffix `MB`: use `M` (10^6) or `Mi` (2^20)"
        );
        assert_eq!(
            err("1gb").to_string(),
            "unknown suffix `gb`: use `G` (10^9) or `Gi` (2^30)"
        );
        assert_eq!(
            err("1Kb").to_string(),
            "unknown suffix `Kb`: use `k` (10^3) or `Ki` (2^10)"
        );
        assert_eq!(
            err("1MiB").to_string(),
            "unknown suffix `MiB`: use `Mi` (2^20)"
        );
        assert!(err("1B").to_string().contains("no unit"));
        assert_eq!(
            err("1gi").to_string(),
            "unknown suffix `gi`: suffixes are case-sensitive, use `Gi`"
        );
        assert_eq!(
            err("1mi").to_string(),
            "unknown suffix `mi`: suffixes are case-sensitive, use `Mi`"
        );
        assert_eq!(
            err("1KI").to_string(),
            "unknown suffix `KI`: suffixes are case-sensitive, use `Ki`"
        );
        assert_eq!(
            err("1K").to_string(),
            "unknown suffix `K`: suffixes are case-sensitive, use `k` (10^3) or `Ki` (2^10)"
        );
        assert_eq!(
            err("1g").to_string(),
            "unknown suffix `g`: suffixes are case-sensitive, use `G`"
        );
        let generic = err("1x").to_string();
        assert!(generic.starts_with("unknown suffix `x`: expected one of"));
        assert!(generic.contains("Gi") && generic.contains("e3"));
        assert_eq!(err("0.5.1").to_string(), "`0.5.1` is not a valid number");
        assert!(err("Gi").to_string().contains("no number"));
        assert!(err("1e1.5").to_string().contains("exponent"));
        assert!(err("1e20000").to_string().contains("10000"));
        // Usable as a boxed error.
        let boxed: Box<dyn std::error::Error> = Box::new(err(""));
        assert_eq!(boxed.to_string(), "empty quantity");
    }

    #[test]
    fn format_and_suffix() {
        let cases = [
            ("1", Format::DecimalSI, ""),
            ("500m", Format::DecimalSI, "m"),
            ("1E", Format::DecimalSI, "E"),
            ("1u", Format::DecimalSI, "u"),
            ("2Ki", Format::BinarySI, "Ki"),
            ("1.5Gi", Format::BinarySI, "Gi"),
            ("1e3", Format::DecimalExponent, "e3"),
            ("1E+03", Format::DecimalExponent, "E+03"),
            ("-2e-3", Format::DecimalExponent, "e-3"),
        ];
        for (s, format, suffix) in cases {
            let v = q(s);
            assert_eq!(v.format(), format, "{s}");
            assert_eq!(v.suffix(), suffix, "{s}");
        }
    }

    #[test]
    fn sign_and_zero() {
        assert!(q("-1").is_negative());
        assert!(!q("1").is_negative());
        assert!(!q("+1").is_negative());
        for z in ["0", "-0", "+0.000", "0Gi", "-0e5", ".0", "0."] {
            assert!(q(z).is_zero(), "{z}");
            assert!(!q(z).is_negative(), "{z}");
            assert_eq!(q(z), q("0"));
        }
        assert!(!q("0.0001").is_zero());
    }

    #[test]
    fn equalities_across_formats() {
        let pairs = [
            ("1Gi", "1024Mi"),
            ("500m", "0.5"),
            ("1e3", "1k"),
            ("0.1", "100m"),
            ("1.5Gi", "1536Mi"),
            ("1E", "1e18"),
            ("2Ki", "2048"),
            ("0.001", "1m"),
            ("1e-3", "1m"),
            ("12e6", "12M"),
            ("1Ei", "1152921504606846976"),
            ("1000n", "1u"),
            ("1000u", "1m"),
            ("0.5Ki", "512"),
            ("-1Gi", "-1073741824"),
            ("1.e3", "1000"),
            (".5", "0.50000"),
            ("007", "7"),
            ("1e0", "1"),
            ("+1", "1"),
        ];
        for (a, b) in pairs {
            assert_eq!(q(a), q(b), "{a} == {b}");
            assert_eq!(q(a).cmp(&q(b)), Ordering::Equal, "{a} == {b}");
        }
    }

    #[test]
    fn orderings() {
        let less = [
            ("1M", "1Mi"),
            ("-1", "0"),
            ("-2", "-1"),
            ("-1Gi", "-1G"),
            ("999m", "1"),
            ("1k", "1Ki"),
            ("1Pi", "1E"),
            ("1E", "1Ei"),
            ("1e-300", "1e-299"),
            ("1e-300", "0.0000000001n"),
            ("1e299", "1e300"),
            ("-1e300", "-1e299"),
            ("0", "1e-300"),
            ("1023Ki", "1Mi"),
            ("1073741823", "1Gi"),
            ("1Gi", "1073741825"),
        ];
        for (a, b) in less {
            assert!(q(a) < q(b), "{a} < {b}");
            assert!(q(b) > q(a), "{b} > {a}");
            assert_ne!(q(a), q(b));
        }
    }

    #[test]
    fn ordering_matches_independent_integer_model() {
        // Each number is written with up to three fraction digits, so its value
        // in thousandths is an integer; each suffix scales thousandths to
        // pico-units exactly. The exact comparison must agree with i128 math.
        let numbers: [(&str, i128); 9] = [
            ("0", 0),
            ("1", 1000),
            ("-1", -1000),
            ("1.5", 1500),
            ("-0.25", -250),
            ("0.001", 1),
            ("1024", 1_024_000),
            ("999.999", 999_999),
            ("-7.", -7000),
        ];
        let suffixes: [(&str, i128); 14] = [
            ("n", 1),
            ("u", 1_000),
            ("m", 1_000_000),
            ("", 1_000_000_000),
            ("k", 1_000_000_000_000),
            ("M", 1_000_000_000_000_000),
            ("G", 1_000_000_000_000_000_000),
            ("E", 1_000_000_000_000_000_000_000_000_000),
            ("Ki", 1_024_000_000_000),
            ("Mi", (1 << 20) * 1_000_000_000),
            ("Gi", (1 << 30) * 1_000_000_000),
            ("Ei", (1 << 60) * 1_000_000_000),
            ("e-2", 10_000_000),
            ("e3", 1_000_000_000_000),
        ];
        let mut all = Vec::new();
        for (n, thousandths) in numbers {
            for (sfx, pico) in suffixes {
                all.push((q(&format!("{n}{sfx}")), thousandths * pico));
            }
        }
        for (a, va) in &all {
            for (b, vb) in &all {
                assert_eq!(a.cmp(b), va.cmp(vb), "{a} vs {b}");
                assert_eq!(a == b, va == vb, "{a} == {b}");
            }
            // value_ceil agrees with the model as well.
            let expected = {
                let unit = 1_000_000_000_000i128;
                let floor = va.div_euclid(unit);
                if va.rem_euclid(unit) == 0 {
                    floor
                } else {
                    floor + 1
                }
            };
            assert_eq!(a.value_ceil(), Some(expected), "{a}");
        }
    }

    #[test]
    fn many_digits_and_large_exponents() {
        let big = q("123456789012345678901234567890.123456789Gi");
        let same = q("132560717819299207781929920778192992077.806043136");
        assert_eq!(big, same);
        assert!(big < q("132560717819299207781929920778192992077.806043137"));
        assert!(big > q("132560717819299207781929920778192992077.806043135"));
        assert_eq!(q("1e300"), q(&format!("1{}", "0".repeat(300))));
        assert_eq!(q("1e-300"), q(&format!("0.{}1", "0".repeat(299))));
        assert_eq!(q("1e10000"), q("10e9999"));
        assert_eq!(q("1e-10000"), q("0.1e-9999"));
        assert!(q("1e-10000") > q("0"));
        assert!(q("1e-10000") < q("1e10000"));
        // Exponent with leading zeros stays within range.
        assert_eq!(q("1e00000000000000000003"), q("1k"));
    }

    #[test]
    fn sorting_mixed_quantities() {
        let mut list: Vec<Quantity> = [
            "1Gi", "1G", "-1", "500m", "0", "1e3", "1Ki", "0.1", "1Mi", "1M", "2", "1E", "1n",
        ]
        .iter()
        .map(|s| q(s))
        .collect();
        list.sort();
        let order: Vec<&str> = list.iter().map(Quantity::as_str).collect();
        assert_eq!(
            order,
            ["-1", "0", "1n", "0.1", "500m", "2", "1e3", "1Ki", "1M", "1Mi", "1G", "1Gi", "1E"]
        );
        assert_eq!(list.iter().max().map(Quantity::as_str), Some("1E"));
    }

    #[test]
    fn value_ceil_rounds_up() {
        assert_eq!(q("1.5").value_ceil(), Some(2));
        assert_eq!(q("-1.5").value_ceil(), Some(-1));
        assert_eq!(q("1").value_ceil(), Some(1));
        assert_eq!(q("0").value_ceil(), Some(0));
        assert_eq!(q("100m").value_ceil(), Some(1));
        assert_eq!(q("-100m").value_ceil(), Some(0));
        assert_eq!(q("1Gi").value_ceil(), Some(1 << 30));
        assert_eq!(q("1.5Gi").value_ceil(), Some(1_610_612_736));
        assert_eq!(q("0.0001Ki").value_ceil(), Some(1));
        assert_eq!(q("12e6").value_ceil(), Some(12_000_000));
        assert_eq!(q("1e-300").value_ceil(), Some(1));
        assert_eq!(q("-1e-300").value_ceil(), Some(0));
        assert_eq!(q("1E").value_ceil(), Some(1_000_000_000_000_000_000));
        assert_eq!(q("1Ei").value_ceil(), Some(1 << 60));
        assert_eq!(q("1e38").value_ceil(), Some(10i128.pow(38)));
        assert_eq!(q("1e39").value_ceil(), None);
        assert_eq!(q("1e300").value_ceil(), None);
        assert_eq!(q("-1e300").value_ceil(), None);
        assert_eq!(
            q("170141183460469231731687303715884105727").value_ceil(),
            Some(i128::MAX)
        );
        assert_eq!(
            q("170141183460469231731687303715884105728").value_ceil(),
            None
        );
        assert_eq!(
            q("170141183460469231731687303715884105726.5").value_ceil(),
            Some(i128::MAX)
        );
        assert_eq!(
            q("170141183460469231731687303715884105727.5").value_ceil(),
            None
        );
        assert_eq!(
            q("-170141183460469231731687303715884105728").value_ceil(),
            Some(i128::MIN)
        );
        assert_eq!(
            q("-170141183460469231731687303715884105728.9").value_ceil(),
            Some(i128::MIN)
        );
        assert_eq!(
            q("-170141183460469231731687303715884105729").value_ceil(),
            None
        );
    }

    #[test]
    fn milli_value_ceil_rounds_up() {
        assert_eq!(q("0.0001").milli_value_ceil(), Some(1));
        assert_eq!(q("-0.0001").milli_value_ceil(), Some(0));
        assert_eq!(q("1").milli_value_ceil(), Some(1000));
        assert_eq!(q("500m").milli_value_ceil(), Some(500));
        assert_eq!(q("1.5").milli_value_ceil(), Some(1500));
        assert_eq!(q("1u").milli_value_ceil(), Some(1));
        assert_eq!(q("1500u").milli_value_ceil(), Some(2));
        assert_eq!(q("-1500u").milli_value_ceil(), Some(-1));
        assert_eq!(q("1Ki").milli_value_ceil(), Some(1_024_000));
        assert_eq!(q("1e-3").milli_value_ceil(), Some(1));
        assert_eq!(q("1e36").milli_value_ceil(), None);
        assert_eq!(q("1e35").milli_value_ceil(), Some(10i128.pow(38)));
    }

    #[test]
    fn sub_milli_precision() {
        for s in [
            "0.0001",
            "1u",
            "1n",
            "1.0005",
            "-0.0001",
            "1e-4",
            "0.0000001Ki",
        ] {
            assert!(q(s).has_sub_milli_precision(), "{s}");
        }
        for s in [
            "0", "1", "1m", "0.001", "1.5", "1000u", "1000000n", "1Gi", "1e-3", "0.0005Ki",
            "1e300", "-250m",
        ] {
            assert!(!q(s).has_sub_milli_precision(), "{s}");
        }
    }

    #[test]
    fn approximate_float_value() {
        let close = |s: &str, expected: f64| {
            let got = q(s).to_f64();
            assert!(
                (got - expected).abs() <= expected.abs() * 1e-12,
                "{s}: {got} vs {expected}"
            );
        };
        close("1.5Gi", 1.5 * 1024.0 * 1024.0 * 1024.0);
        close("500m", 0.5);
        close("-2k", -2000.0);
        close("12e6", 12e6);
        close("1e-300", 1e-300);
        close("1E", 1e18);
        assert_eq!(q("0").to_f64(), 0.0);
        assert!(q("1e10000").to_f64().is_infinite());
    }

    #[test]
    fn display_round_trips_text() {
        assert_eq!(q("1.50Gi").to_string(), "1.50Gi");
        assert_eq!(format!("{}", q("-3e-2")), "-3e-2");
    }
}
