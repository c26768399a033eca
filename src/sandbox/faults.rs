//! Fault injection: which misbehaviour, if any, the sandbox shows on a request.
//!
//! A spec is a comma-separated list of `KIND=PROBABILITY` (0 to 1), plus
//! `slow-ms=N` for how long a slow response stalls. Kinds: `500` (an `appsFault`),
//! `throttle` (403 "Exceeded request limits"), `drop` (the connection closes with
//! no response), `truncate` (the body stops halfway), `slow` (the answer comes
//! `slow-ms` late). `heavy` is a preset (it may be followed by changes:
//! `heavy,slow-ms=500`); `none` turns faults off.

use std::fmt;
use std::time::Duration;

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    ServerError,
    /// A throttle as the provider documents it (Rackspace: a 403 `unauthorizedFault`).
    Throttle,
    Drop,
    Truncate,
    Slow,
    /// A Rackspace throttle as a plain-text body (`Exceeded request limits`).
    ThrottleText,
    /// A Rackspace throttle said only in the `x-error-message` header.
    ThrottleHeader,
}

impl Fault {
    const ALL: [Fault; 7] = [
        Fault::ServerError,
        Fault::Throttle,
        Fault::Drop,
        Fault::Truncate,
        Fault::Slow,
        Fault::ThrottleText,
        Fault::ThrottleHeader,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::ServerError => "500",
            Fault::Throttle => "throttle",
            Fault::Drop => "drop",
            Fault::Truncate => "truncate",
            Fault::Slow => "slow",
            Fault::ThrottleText => "throttle-text",
            Fault::ThrottleHeader => "throttle-header",
        }
    }
}

/// Probabilities in parts per 10,000, so that the spec is exact and comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultSpec {
    per_10k: [u32; 7],
    pub slow: Duration,
}

impl Default for FaultSpec {
    fn default() -> FaultSpec {
        FaultSpec {
            per_10k: [0; 7],
            slow: Duration::from_millis(3000),
        }
    }
}

pub const HEAVY: &str = "500=0.08,throttle=0.08,drop=0.04,truncate=0.05,slow=0.03";

impl FaultSpec {
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let text = text.trim();
        if text.is_empty() || text == "none" {
            return Ok(FaultSpec::default());
        }
        let expanded: Vec<&str> = text
            .split(',')
            .map(|part| if part.trim() == "heavy" { HEAVY } else { part })
            .collect();
        let text = expanded.join(",");
        let mut spec = FaultSpec::default();
        for part in text.split(',').map(str::trim) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!(
                    "fault \"{part}\": expected KIND=PROBABILITY, e.g. 500=0.1"
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            if key == "slow-ms" {
                let ms: u64 = value
                    .parse()
                    .map_err(|_| format!("slow-ms: expected milliseconds, found \"{value}\""))?;
                spec.slow = Duration::from_millis(ms);
                continue;
            }
            let Some(index) = Fault::ALL.iter().position(|f| f.name() == key) else {
                return Err(format!(
                    "unknown fault \"{key}\": expected one of 500, throttle, throttle-text, throttle-header, drop, truncate, slow, slow-ms"
                ));
            };
            spec.per_10k[index] = probability_per_10k(value).ok_or_else(|| {
                format!("fault {key}: expected a probability from 0 to 1, found \"{value}\"")
            })?;
        }
        if spec.per_10k.iter().sum::<u32>() > 10_000 {
            return Err("the fault probabilities add up to more than 1".into());
        }
        Ok(spec)
    }

    pub fn is_none(&self) -> bool {
        self.per_10k.iter().all(|&p| p == 0)
    }

    /// The fault for one request, drawn from `rng`.
    pub fn draw(&self, rng: &mut Rng) -> Option<Fault> {
        if self.is_none() {
            return None;
        }
        let mut roll = rng.below(10_000) as u32;
        for (fault, &p) in Fault::ALL.iter().zip(&self.per_10k) {
            if roll < p {
                return Some(*fault);
            }
            roll -= p;
        }
        None
    }
}

/// "0.05" → 500; at most four decimal places, 0 to 1.
fn probability_per_10k(text: &str) -> Option<u32> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 4 {
        return None;
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: u32 = format!("{frac:0<4}").parse().ok()?;
    let value = whole.checked_mul(10_000)?.checked_add(frac)?;
    (value <= 10_000).then_some(value)
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            return f.write_str("none");
        }
        let parts: Vec<String> = Fault::ALL
            .iter()
            .zip(&self.per_10k)
            .filter(|(_, p)| **p > 0)
            .map(|(fault, p)| format!("{}={}", fault.name(), f64::from(*p) / 10_000.0))
            .collect();
        write!(f, "{},slow-ms={}", parts.join(","), self.slow.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_or_say_why_not() {
        let spec = FaultSpec::parse("500=0.1, throttle=.05,slow-ms=250").unwrap();
        assert_eq!(spec.per_10k, [1000, 500, 0, 0, 0, 0, 0]);
        let shapes = FaultSpec::parse("throttle-text=0.2,throttle-header=0.3").unwrap();
        assert_eq!(shapes.per_10k, [0, 0, 0, 0, 0, 2000, 3000]);
        assert_eq!(spec.slow, Duration::from_millis(250));
        assert_eq!(FaultSpec::parse("none").unwrap(), FaultSpec::default());
        assert_eq!(
            FaultSpec::parse("heavy").unwrap(),
            FaultSpec::parse(HEAVY).unwrap()
        );
        let heavy_fast = FaultSpec::parse("heavy, slow-ms=10").unwrap();
        assert_eq!(heavy_fast.slow, Duration::from_millis(10));
        assert_eq!(heavy_fast.per_10k, FaultSpec::parse(HEAVY).unwrap().per_10k);
        assert_eq!(
            FaultSpec::parse("502=0.1").unwrap_err(),
            "unknown fault \"502\": expected one of 500, throttle, throttle-text, throttle-header, drop, truncate, slow, slow-ms"
        );
        assert_eq!(
            FaultSpec::parse("drop=1.5").unwrap_err(),
            "fault drop: expected a probability from 0 to 1, found \"1.5\""
        );
        assert_eq!(
            FaultSpec::parse("drop").unwrap_err(),
            "fault \"drop\": expected KIND=PROBABILITY, e.g. 500=0.1"
        );
        assert_eq!(
            FaultSpec::parse("drop=0.6,500=0.6").unwrap_err(),
            "the fault probabilities add up to more than 1"
        );
    }

    #[test]
    fn draws_follow_the_probabilities() {
        let spec = FaultSpec::parse("500=0.25,drop=0.25").unwrap();
        let mut rng = Rng::new(7);
        let draws: Vec<Option<Fault>> = (0..20_000).map(|_| spec.draw(&mut rng)).collect();
        let count = |f| draws.iter().filter(|d| **d == f).count();
        assert!((4_500..5_500).contains(&count(Some(Fault::ServerError))));
        assert!((4_500..5_500).contains(&count(Some(Fault::Drop))));
        assert!((9_000..11_000).contains(&count(None)));
        assert_eq!(FaultSpec::default().draw(&mut rng), None);
    }
}
