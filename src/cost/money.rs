//! Money without floating point: amounts in integer hundredths of a currency unit, unit-hour
//! rates in integer millionths, and the decimal text people and JSON read.
//!
//! Integers rather than a decimal crate: the only arithmetic is "rate × 730 hours", "× units"
//! and sums, which integers do exactly, with `Eq`/`Ord`/`Hash` for free and no dependency.
//! Every amount is shown with two decimals, whatever the currency.

use std::fmt;

/// Hours in a billing month, as Azure's pricing pages count them.
pub const HOURS_PER_MONTH: i64 = 730;

/// Millionths of a currency unit in one hundredth.
const MICROS_PER_CENT: i64 = 10_000;

/// Largest integer part accepted when parsing (a trillion): keeps every product in range.
const MAX_INTEGER_DIGITS: usize = 12;

/// An amount of money in hundredths of the currency unit (cents for USD and EUR).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// A price per unit-hour in millionths of the currency unit (Azure quotes prices like
/// 3.8356 or 0.06579 per hour).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitRate(i64);

/// A three-letter ISO 4217 currency code such as `USD` or `EUR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// Text that is not an amount this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number such as `5000` or `5000.50`.
    #[error("{0:?} is not a decimal amount such as 5000 or 5000.50")]
    NotDecimal(String),
    /// More digits before the decimal point than any price needs.
    #[error("{0:?} is too large")]
    TooLarge(String),
    /// Not three ASCII letters.
    #[error("{0:?} is not a currency code such as USD or EUR")]
    NotCurrency(String),
}

/// Parses an unsigned or signed decimal (`12`, `12.5`, `-0.25`, `+3`) to an integer count of
/// `10^-scale` units, rounding half away from zero beyond `scale` decimals.
fn parse_scaled(text: &str, scale: u32) -> Result<i64, MoneyError> {
    let bad = || MoneyError::NotDecimal(text.to_string());
    let trimmed = text.trim();
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !all_digits(int_part) {
        return Err(bad());
    }
    if !all_digits(frac_part) || (body.contains('.') && frac_part.is_empty()) {
        return Err(bad());
    }
    let int_part = int_part.trim_start_matches('0');
    if int_part.len() > MAX_INTEGER_DIGITS {
        return Err(MoneyError::TooLarge(text.to_string()));
    }
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value * 10 + i64::from(b - b'0');
    }
    let mut frac = frac_part.bytes().map(|b| i64::from(b - b'0'));
    for _ in 0..scale {
        value = value * 10 + frac.next().unwrap_or(0);
    }
    if frac.next().is_some_and(|digit| digit >= 5) {
        value += 1;
    }
    Ok(if negative { -value } else { value })
}

/// Divides rounding half away from zero (`divisor` > 0), saturating instead of overflowing
/// at the ends of `i64` (the callers saturate their products first).
fn div_round(value: i64, divisor: i64) -> i64 {
    let half = divisor / 2;
    if value >= 0 {
        value.saturating_add(half) / divisor
    } else {
        -(value.saturating_neg().saturating_add(half) / divisor)
    }
}

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// An amount given in hundredths.
    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// The amount in hundredths.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Parses `5000`, `5000.5` or `5000.50` (more than two decimals are rounded).
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        parse_scaled(text, 2).map(Money)
    }

    /// The sum, saturating instead of overflowing.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// The difference, saturating instead of overflowing.
    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }

    /// `count` times the amount, saturating instead of overflowing.
    pub fn times(self, count: u32) -> Money {
        Money(self.0.saturating_mul(i64::from(count)))
    }

    /// Plain decimal text for machines: `11180.68`, `-3.00`.
    pub fn to_decimal_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Decimal text with an explicit sign when not zero: `+11180.68`, `-3.00`, `0.00`.
    pub fn to_signed_decimal_string(self) -> String {
        if self.0 > 0 {
            format!("+{}", self.to_decimal_string())
        } else {
            self.to_decimal_string()
        }
    }

    /// Text for people, with thousands separators: `11,180.68`, `-2,795.17`.
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let digits = (abs / 100).to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}.{:02}", abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl UnitRate {
    /// A rate given in millionths per unit-hour.
    pub const fn from_micros(micros: i64) -> UnitRate {
        UnitRate(micros)
    }

    /// The rate in millionths per unit-hour.
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// Parses a decimal rate such as `3.8356` (beyond six decimals it is rounded).
    pub fn parse(text: &str) -> Result<UnitRate, MoneyError> {
        parse_scaled(text, 6).map(UnitRate)
    }

    /// The rate from a JSON number. JSON numbers arrive as `f64`; their shortest decimal
    /// text (`3.8356` stays `3.8356`) is parsed, so no binary rounding reaches the amount.
    /// `None` for non-finite values and values beyond a trillion.
    pub fn from_json_number(value: f64) -> Option<UnitRate> {
        if !value.is_finite() {
            return None;
        }
        UnitRate::parse(&format!("{value}")).ok()
    }

    /// The hourly rate whose month (730 hours) is `monthly`, to the millionth.
    pub fn from_monthly(monthly: Money) -> UnitRate {
        UnitRate(div_round(
            monthly.0.saturating_mul(MICROS_PER_CENT),
            HOURS_PER_MONTH,
        ))
    }

    /// The price of one unit for a month of 730 hours, rounded to the hundredth.
    pub fn monthly(self) -> Money {
        Money(div_round(
            self.0.saturating_mul(HOURS_PER_MONTH),
            MICROS_PER_CENT,
        ))
    }
}

impl Currency {
    /// US dollars, the currency of the built-in table and the Retail Prices API's default.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a three-letter code, ignoring case and surrounding spaces (`eur` → `EUR`).
    pub fn parse(text: &str) -> Result<Currency, MoneyError> {
        match text.trim().as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Currency([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(MoneyError::NotCurrency(text.to_string())),
        }
    }

    /// The code, e.g. `USD`.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A monthly amount for people: `11,180.68 USD/month`.
pub fn format_monthly(amount: Money, currency: Currency) -> String {
    format!("{} {currency}/month", amount.grouped())
}

/// A monthly difference for people: `+11,180.68 USD/month`, `-2,795.17 USD/month`,
/// `0.00 USD/month`.
pub fn format_monthly_delta(delta: Money, currency: Currency) -> String {
    let sign = if delta.cents() > 0 { "+" } else { "" };
    format!("{sign}{} {currency}/month", delta.grouped())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_parse_with_up_to_two_decimals_and_round_beyond() {
        assert_eq!(Money::parse("5000"), Ok(Money::from_cents(500_000)));
        assert_eq!(Money::parse(" 5000.5 "), Ok(Money::from_cents(500_050)));
        assert_eq!(Money::parse("0.005"), Ok(Money::from_cents(1)));
        assert_eq!(Money::parse("-0.004"), Ok(Money::from_cents(0)));
        assert_eq!(Money::parse(".5"), Ok(Money::from_cents(50)));
        for bad in ["", ".", "5.", "1e3", "5,000", "abc", "--1", "1.2.3", " - 1"] {
            assert!(Money::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(matches!(
            Money::parse("9999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
    }

    #[test]
    fn premium_list_price_is_exact() {
        let rate = UnitRate::from_monthly(Money::from_cents(279_517));
        assert_eq!(rate, UnitRate::from_micros(3_829_000));
        assert_eq!(rate.monthly(), Money::from_cents(279_517));
        assert_eq!(rate.monthly().times(4), Money::from_cents(1_118_068));
        let v2 = UnitRate::from_json_number(3.8356).map(UnitRate::monthly);
        assert_eq!(v2, Some(Money::from_cents(279_999)));
    }

    #[test]
    fn text_for_people_and_machines() {
        let delta = Money::from_cents(1_118_068);
        assert_eq!(delta.to_decimal_string(), "11180.68");
        assert_eq!(delta.to_signed_decimal_string(), "+11180.68");
        assert_eq!(
            format_monthly_delta(delta, Currency::USD),
            "+11,180.68 USD/month"
        );
        let down = Money::from_cents(-279_517);
        assert_eq!(
            format_monthly_delta(down, Currency::USD),
            "-2,795.17 USD/month"
        );
        assert_eq!(Money::from_cents(-5).to_decimal_string(), "-0.05");
        assert_eq!(Money::from_cents(123_456_789).grouped(), "1,234,567.89");
        assert_eq!(format_monthly(Money::ZERO, Currency::USD), "0.00 USD/month");
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(
            Currency::parse(" eur").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        for bad in ["", "EURO", "€UR", "E1R"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn json_numbers_that_are_not_prices_are_refused() {
        assert_eq!(UnitRate::from_json_number(f64::NAN), None);
        assert_eq!(UnitRate::from_json_number(1e20), None);
        assert_eq!(
            UnitRate::from_json_number(1e-9),
            Some(UnitRate::from_micros(0))
        );
    }

    proptest! {
        #[test]
        fn decimal_text_round_trips(cents in -1_000_000_000_000i64..1_000_000_000_000) {
            let money = Money::from_cents(cents);
            prop_assert_eq!(Money::parse(&money.to_decimal_string()), Ok(money));
            prop_assert_eq!(Money::parse(&money.to_signed_decimal_string()), Ok(money));
            prop_assert_eq!(Money::parse(&money.grouped().replace(',', "")), Ok(money));
        }

        #[test]
        fn monthly_prices_survive_the_hourly_form(cents in 0i64..100_000_000_000) {
            let money = Money::from_cents(cents);
            prop_assert_eq!(UnitRate::from_monthly(money).monthly(), money);
        }

        #[test]
        fn any_text_parses_or_fails_cleanly(text in ".{0,40}") {
            let _ = Money::parse(&text);
            let _ = UnitRate::parse(&text);
            let _ = Currency::parse(&text);
        }

        #[test]
        fn rounding_division_never_overflows(value in any::<i64>(), divisor in 1i64..=i64::MAX) {
            let _ = div_round(value, divisor);
        }

        #[test]
        fn any_float_converts_or_is_refused(value in any::<f64>()) {
            if let Some(rate) = UnitRate::from_json_number(value) {
                prop_assert!(rate.micros() >= -1_000_000_000_000_000_000);
                let _ = rate.monthly();
            }
        }
    }
}
