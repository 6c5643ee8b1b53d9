//! Property tests of the input layer: no input panics, and row order changes nothing.

use std::io::Write;

use elaudit::data::{ColumnSpec, Dataset, LoadOptions, load_reader};
use proptest::prelude::*;

fn options() -> impl Strategy<Value = LoadOptions> {
    (
        prop::option::of(prop::sample::select(vec![b',', b';', b'\t'])),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![".", ",", " "])),
        prop::option::of(prop::sample::select(vec!["-", "x", ""])),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(delimiter, strict, thousands, na, explicit, multiline_fields)| {
                let mut spec = ColumnSpec {
                    thousands: thousands.map(String::from),
                    na: na.map(|t| vec![t.to_string()]),
                    ..Default::default()
                };
                if explicit {
                    spec.id = vec!["a".into(), "b".into()];
                    spec.region = vec!["b".into()];
                    spec.ballots = vec!["c".into(), "d".into()];
                    spec.candidates = vec!["1".into(), "e".into()];
                    spec.exclude = vec!["a=1".parse().unwrap()];
                }
                LoadOptions {
                    spec,
                    delimiter,
                    strict,
                    multiline_fields,
                }
            },
        )
}

/// Text built from the characters that matter to a CSV reader.
fn csvish() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "0123456789,,,;\t\"\"\n\n\r -.abcdeNA\u{feff}é"
        .chars()
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..400)
        .prop_map(|c| c.into_iter().collect())
}

fn no_panic(bytes: &[u8], opts: &LoadOptions) {
    // Ok or Err are both fine; the test fails only on a panic.
    let result = load_reader("fuzz.csv", bytes, opts);
    if let Ok(d) = result {
        let k = d.candidates.len();
        assert_eq!(d.votes.len(), d.stations.len() * k);
        assert_eq!(d.on_ballot.len(), d.votes.len());
        assert!(d.winner < k.max(1));
        assert!(d.stations.iter().all(|s| {
            s.region
                .get()
                .is_none_or(|r| (r as usize) < d.regions.len())
        }));
        let blank: u64 = d
            .excluded
            .iter()
            .filter(|e| e.rule == "blank line")
            .map(|e| e.rows)
            .sum();
        let excluded: u64 = d.excluded.iter().map(|e| e.rows).sum();
        assert!(d.lines.balanced(), "{:?}", d.lines);
        if !opts.multiline_fields {
            assert_eq!(
                d.source.rows,
                d.stations.len() as u64 + d.rejected.len() as u64 + excluded - blank
            );
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), opts in options()) {
        no_panic(&bytes, &opts);
        let mut magic = vec![0x1f, 0x8b];
        magic.extend(&bytes);
        no_panic(&magic, &opts);
    }

    /// Found by this test: a line of a quoted field that spans lines holding only a
    /// byte-order mark read as nothing, and went unaccounted.
    #[test]
    fn a_byte_order_mark_alone_on_a_split_line_is_accounted_for(multiline in any::<bool>()) {
        let spec = ColumnSpec { candidates: vec!["1".into()], ..ColumnSpec::default() };
        let opts = LoadOptions { spec, multiline_fields: multiline, ..LoadOptions::default() };
        let d = load_reader("bom.csv", "a,b,c,d,e,1\n0,\"\n\u{feff}".as_bytes(), &opts);
        let d = d.expect("loads");
        prop_assert!(d.lines.balanced(), "{:?}", d.lines);
        prop_assert_eq!(d.lines.lines, 3);
    }

    #[test]
    fn csv_like_text_never_panics(text in csvish(), opts in options(), header in any::<bool>(), gz in any::<bool>()) {
        let mut full = if header { String::from("a,b,c,d,e,1\n") } else { String::new() };
        full.push_str(&text);
        let bytes = if gz { gzip(full.as_bytes()) } else { full.into_bytes() };
        no_panic(&bytes, &opts);
    }
}

/// A cell: mostly counts, sometimes broken.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u64..2000).prop_map(|v| v.to_string()),
        1 => prop::sample::select(vec!["", "NA", "x", "-3", "1.5", "12.0"]).prop_map(String::from),
    ]
}

fn row() -> impl Strategy<Value = String> {
    (
        0u32..40,
        prop::sample::select(vec!["north", "south", "east", "abroad"]),
        prop::collection::vec(cell(), 5),
        any::<bool>(),
    )
        .prop_map(|(id, region, cells, short)| {
            let cells = if short { &cells[..4] } else { &cells[..] };
            format!("s{id},{region},{}", cells.join(","))
        })
}

/// Everything about a dataset that must not depend on row order.
fn order_free(d: &Dataset) -> (Vec<String>, Vec<String>, Vec<u64>, String) {
    let k = d.candidates.len();
    let mut stations: Vec<String> = (0..d.stations.len())
        .map(|i| {
            let s = &d.stations[i];
            let region = s.region.get().map(|r| d.regions[r as usize].clone());
            format!(
                "{} {region:?} {:?} {} {} {} {:?} {:?}",
                d.id(i),
                s.registered,
                s.ballots,
                s.valid,
                s.invalid,
                &d.votes[i * k..(i + 1) * k],
                &d.on_ballot[i * k..(i + 1) * k]
            )
        })
        .collect();
    stations.sort();
    let mut reasons: Vec<String> = d
        .rejected
        .iter()
        .map(|r| format!("{} {}", r.station, r.reason))
        .collect();
    reasons.sort();
    let excluded = d.excluded.iter().map(|e| e.rows).collect();
    (stations, reasons, excluded, d.candidates[d.winner].clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn shuffling_rows_changes_no_station_and_no_rejection(
        (rows, shuffled) in prop::collection::vec(row(), 1..60)
            .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle()))
    ) {
        let header = "station,region,registered,ballots,valid,A,B\n";
        let text = |rows: &[String]| format!("{header}{}\n", rows.join("\n"));
        let opts = LoadOptions {
            spec: ColumnSpec {
                candidates: vec!["A".into(), "B".into()],
                exclude: vec!["region=abroad".parse().unwrap()],
                ..Default::default()
            },
            ..Default::default()
        };
        let a = load_reader("a.csv", text(&rows).as_bytes(), &opts);
        let b = load_reader("b.csv", text(&shuffled).as_bytes(), &opts);
        match (a, b) {
            (Ok(a), Ok(b)) => {
                let (sa, ra, ea, wa) = order_free(&a);
                let (sb, rb, eb, wb) = order_free(&b);
                prop_assert_eq!(sa, sb);
                prop_assert_eq!(ra, rb);
                prop_assert_eq!(ea, eb);
                // The winner can differ only through a tie, which goes to the first column.
                prop_assert_eq!(wa, wb);
                let mut ga = a.regions.clone();
                let mut gb = b.regions.clone();
                ga.sort();
                gb.sort();
                prop_assert_eq!(ga, gb);
            }
            (a, b) => prop_assert!(false, "loads differ: {:?} / {:?}", a.err(), b.err()),
        }
    }
}

/// One data line of a generated station file, broken in one of the ways a CSV reader
/// can be fooled. `{id}` stands for the station's id, which names its own line.
fn hostile_line() -> impl Strategy<Value = String> {
    let count = || (0u64..900).prop_map(|v| v.to_string());
    let ok = (count(), count(), count()).prop_map(|(r, a, b)| format!("{{id}},north,{r},{a},{b}"));
    prop_oneof![
        6 => ok.clone(),
        1 => Just(String::new()),
        1 => ok.clone().prop_map(|l| l.replacen(",north", ",\"north", 1)),
        1 => ok.clone().prop_map(|l| l.replacen(",north", ",\"no\nrth\"", 1)),
        1 => ok.clone().prop_map(|l| l.replacen(",north", ",\"n, \"\"q\"\"\"", 1)),
        1 => ok.clone().prop_map(|l| format!("{l}\"")),
        1 => ok.prop_map(|l| format!("{l},extra")),
        1 => Just("station,region,registered,A,B".to_string()),
    ]
}

/// The file, with each `{id}` replaced by `L` and the physical line it starts on.
fn hostile_file(lines: &[String], crlf: bool) -> String {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("station,region,registered,A,B{end}");
    let mut line = 2;
    for l in lines {
        text.push_str(&l.replace("{id}", &format!("L{line}")));
        text.push_str(end);
        line += 1 + l.matches('\n').count();
    }
    text
}

fn physical_lines(text: &str) -> u64 {
    text.matches('\n').count() as u64 + u64::from(!text.is_empty() && !text.ends_with('\n'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Every physical line is used, rejected or excluded, and a station never takes
    /// another line's numbers: its id names the line it was read from.
    #[test]
    fn every_line_is_accounted_for_and_no_station_takes_another_line(
        lines in prop::collection::vec(hostile_line(), 0..80),
        crlf in any::<bool>(),
        multiline in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let text = hostile_file(&lines, crlf);
        let spec = ColumnSpec {
            id: vec!["station".into()],
            candidates: vec!["A".into(), "B".into()],
            ..Default::default()
        };
        let opts = LoadOptions { spec, multiline_fields: multiline, strict, ..Default::default() };
        let d = match load_reader("h.csv", text.as_bytes(), &opts) {
            Ok(d) => d,
            Err(e) => {
                // Only --strict may refuse this file, and only for a bad row.
                prop_assert!(strict, "{e}");
                prop_assert!(e.to_string().contains(": line "), "{e}");
                return Ok(());
            }
        };
        prop_assert!(d.lines.balanced(), "{:?}", d.lines);
        prop_assert_eq!(d.lines.lines, physical_lines(&text));
        if !multiline {
            for (i, s) in d.stations.iter().enumerate() {
                prop_assert_eq!(d.id(i), format!("L{}", s.line));
            }
            let one_line_each = d.stations.len() + d.rejected.len();
            let excluded: u64 = d.excluded.iter().map(|e| e.rows).sum();
            prop_assert_eq!(one_line_each as u64 + excluded + 1, d.lines.lines);
        }
    }
}
