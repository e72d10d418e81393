//! Span timestamps.
//!
//! A span needs the wall-clock time twice, at its start and at its end. Through the
//! operating system that read costs tens of nanoseconds on common virtual machines
//! (about 50 ns per `SystemTime::now()` on the machine of `BENCHMARKS.md`), a large
//! share of a whole span. Where the processor's time-stamp counter is invariant and
//! the kernel itself keeps time with it, [`now`] reads the counter instead and turns
//! ticks into wall-clock time from an anchor: a (counter, wall clock) pair taken
//! from the system clock, with the tick rate measured between two anchors. The
//! anchor is taken again once it is a second old, so the result follows the system
//! clock (and its adjustments) within microseconds. Everywhere else, and until the
//! rate is known, [`now`] is `SystemTime::now()`.

use std::time::{Instant, SystemTime};

/// The current wall-clock time, for span start and end timestamps.
#[inline]
pub(crate) fn now() -> SystemTime {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    if let Some(time) = tsc::now() {
        return time;
    }
    SystemTime::now()
}

/// Measures a duration: the processor's counter where span timestamps read it,
/// else [`Instant`]. Reading it twice costs two counter reads and a
/// multiplication, where `Instant` costs two clock reads.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(Start);

#[derive(Clone, Copy, Debug)]
enum Start {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    Ticks(u64),
    Instant(Instant),
}

impl Stopwatch {
    /// A stopwatch started now.
    #[inline]
    #[must_use]
    pub fn start() -> Self {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        if let Some(ticks) = tsc::mono_ticks() {
            return Stopwatch(Start::Ticks(ticks));
        }
        Stopwatch(Start::Instant(Instant::now()))
    }

    /// Seconds since the start.
    #[inline]
    #[must_use]
    pub fn seconds(&self) -> f64 {
        match self.0 {
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            Start::Ticks(start) => tsc::seconds_since(start),
            Start::Instant(start) => start.elapsed().as_secs_f64(),
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod tsc {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
    use std::time::{Duration, Instant, SystemTime};

    /// Not yet checked whether the counter can be used.
    const UNCHECKED: u8 = 0;
    /// Usable: anchors are kept.
    const USABLE: u8 = 1;
    /// Not usable on this machine: the system clock is read instead.
    const UNUSABLE: u8 = 2;

    static MODE: AtomicU8 = AtomicU8::new(UNCHECKED);
    /// Odd while the anchor is being replaced (a sequence lock).
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    static ANCHOR_TICKS: AtomicU64 = AtomicU64::new(0);
    /// Wall-clock nanoseconds since the Unix epoch at `ANCHOR_TICKS`.
    static ANCHOR_WALL: AtomicU64 = AtomicU64::new(0);
    /// Nanoseconds per tick, in 32.32 fixed point; 0 until measured.
    static SCALE: AtomicU64 = AtomicU64::new(0);
    /// Held by the one thread replacing the anchor.
    static REANCHORING: AtomicBool = AtomicBool::new(false);
    /// Monotonic time of the current anchor, to measure the rate against.
    static ANCHOR_MONO: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

    /// How old an anchor may get, in ticks (about a second at 1 GHz and above).
    const REANCHOR_TICKS: u64 = 1 << 30;
    /// The shortest span over which the tick rate is measured.
    const MIN_MEASURE: Duration = Duration::from_millis(20);

    #[inline]
    fn ticks() -> u64 {
        // SAFETY: `rdtsc` has no preconditions on x86_64.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    #[inline]
    pub(super) fn now() -> Option<SystemTime> {
        if MODE.load(Ordering::Relaxed) != USABLE {
            return check();
        }
        let ticks = ticks();
        let before = SEQUENCE.load(Ordering::Acquire);
        let anchor = ANCHOR_TICKS.load(Ordering::Relaxed);
        let wall = ANCHOR_WALL.load(Ordering::Relaxed);
        let scale = SCALE.load(Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::Acquire);
        let since = ticks.saturating_sub(anchor);
        if before & 1 == 1
            || SEQUENCE.load(Ordering::Relaxed) != before
            || scale == 0
            || since > REANCHOR_TICKS
        {
            return reanchor();
        }
        #[allow(clippy::cast_possible_truncation)]
        let nanos = wall + ((u128::from(since) * u128::from(scale)) >> 32) as u64;
        Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))
    }

    /// First use: whether the counter is usable, and the first anchor.
    #[cold]
    fn check() -> Option<SystemTime> {
        if MODE.load(Ordering::Relaxed) == UNCHECKED {
            let usable = invariant_counter() && kernel_uses_counter();
            // Another thread may have decided meanwhile; both reach the same answer.
            MODE.store(if usable { USABLE } else { UNUSABLE }, Ordering::Relaxed);
            if usable {
                return reanchor();
            }
        }
        None
    }

    /// CPUID: the counter runs at a constant rate in every power state.
    fn invariant_counter() -> bool {
        use core::arch::x86_64::__cpuid;
        let highest = __cpuid(0x8000_0000).eax;
        highest >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
    }

    /// The kernel keeps time with the counter, so it trusts it across cores (it
    /// switches away from a counter it finds unsynchronised).
    fn kernel_uses_counter() -> bool {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .is_ok_and(|source| source.trim() == "tsc")
    }

    /// Takes a new anchor from the system clock (measuring the tick rate against
    /// the previous one), and returns the system clock's time. Only one thread
    /// replaces the anchor; the others read the system clock meanwhile.
    #[cold]
    fn reanchor() -> Option<SystemTime> {
        let wall = SystemTime::now();
        if REANCHORING.swap(true, Ordering::Acquire) {
            return Some(wall);
        }
        let ticks = ticks();
        let mono = Instant::now();
        let mut previous = ANCHOR_MONO
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let old_ticks = ANCHOR_TICKS.load(Ordering::Relaxed);
        let measured = previous.and_then(|at| {
            let elapsed = mono.checked_duration_since(at)?;
            let ticked = ticks.checked_sub(old_ticks)?;
            (elapsed >= MIN_MEASURE && ticked > 0).then(|| {
                let scale = (elapsed.as_nanos() << 32) / u128::from(ticked);
                u64::try_from(scale).unwrap_or(0)
            })
        });
        // Keep the old anchor until the rate can be measured against it.
        let fresh = previous.is_none() || measured.is_some();
        if fresh {
            let mut wall_nanos = wall
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(0));
            // Never step back by a little (a span could end before it started);
            // a real step of the system clock (a millisecond or more) is followed.
            let scale = SCALE.load(Ordering::Relaxed);
            if previous.is_some() && scale != 0 {
                let since = ticks.saturating_sub(old_ticks);
                let old_wall = ANCHOR_WALL.load(Ordering::Relaxed);
                #[allow(clippy::cast_possible_truncation)]
                let extrapolated =
                    old_wall + ((u128::from(since) * u128::from(scale)) >> 32) as u64;
                if extrapolated > wall_nanos && extrapolated - wall_nanos < 1_000_000 {
                    wall_nanos = extrapolated;
                }
            }
            SEQUENCE.fetch_add(1, Ordering::AcqRel);
            ANCHOR_TICKS.store(ticks, Ordering::Relaxed);
            ANCHOR_WALL.store(wall_nanos, Ordering::Relaxed);
            if let Some(scale) = measured {
                SCALE.store(scale, Ordering::Relaxed);
            }
            SEQUENCE.fetch_add(1, Ordering::Release);
            *previous = Some(mono);
        }
        drop(previous);
        REANCHORING.store(false, Ordering::Release);
        Some(wall)
    }

    /// The counter, where it is usable and its rate known. Until then (a
    /// program that measures durations but starts no span), each call moves the
    /// calibration on, as span timestamps do.
    #[inline]
    pub(super) fn mono_ticks() -> Option<u64> {
        if MODE.load(Ordering::Relaxed) == USABLE && SCALE.load(Ordering::Relaxed) != 0 {
            Some(ticks())
        } else {
            calibrate();
            None
        }
    }

    #[cold]
    fn calibrate() {
        if MODE.load(Ordering::Relaxed) != UNUSABLE {
            let _ = now();
        }
    }

    /// Seconds from the counter reading `start` to now.
    #[inline]
    pub(super) fn seconds_since(start: u64) -> f64 {
        let scale = SCALE.load(Ordering::Relaxed);
        let ticks = ticks().saturating_sub(start);
        // 32.32 fixed-point nanoseconds per tick; as `u64` first, since a
        // `u128` to `f64` conversion is a library call (45 instructions).
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let nanos = ((u128::from(ticks) * u128::from(scale)) >> 32) as u64 as f64;
        nanos * 1e-9
    }

    #[cfg(test)]
    pub(super) fn usable() -> bool {
        let _ = now();
        MODE.load(Ordering::Relaxed) == USABLE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn apart(a: SystemTime, b: SystemTime) -> Duration {
        a.duration_since(b).unwrap_or_else(|e| e.duration())
    }

    #[test]
    fn follows_the_system_clock() {
        // Long enough for the rate to be measured and an anchor or two to pass.
        let until = std::time::Instant::now() + Duration::from_millis(300);
        let mut last = now();
        while std::time::Instant::now() < until {
            let ours = now();
            let system = SystemTime::now();
            assert!(
                apart(ours, system) < Duration::from_millis(2),
                "{ours:?} vs {system:?}"
            );
            assert!(
                ours + Duration::from_micros(50) >= last,
                "went back: {ours:?} < {last:?}"
            );
            last = ours;
            std::thread::sleep(Duration::from_millis(7));
        }
    }

    #[test]
    fn a_stopwatch_measures_seconds() {
        let _ = now();
        std::thread::sleep(Duration::from_millis(30));
        let _ = now();
        let watch = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(10));
        let seconds = watch.seconds();
        assert!((0.009..0.06).contains(&seconds), "{seconds} ({watch:?})");
    }

    #[test]
    fn measures_short_intervals() {
        let _ = now();
        std::thread::sleep(Duration::from_millis(60));
        let _ = now();
        let start = now();
        std::thread::sleep(Duration::from_millis(10));
        let elapsed = now().duration_since(start).expect("forward");
        assert!(
            elapsed >= Duration::from_millis(9) && elapsed < Duration::from_millis(60),
            "{elapsed:?}"
        );
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        eprintln!("counter clock in use: {}", tsc::usable());
    }
}
