//! The properties of a round's scores: never above a weight, caps kept, a report sums its
//! leaves.

use proptest::prelude::*;

use super::*;
use crate::scheme::IndicatorKind;

fn measured() -> impl Strategy<Value = Measured> {
    prop_oneof![
        (0i64..1000, 0i64..1000).prop_map(|(n, d)| Measured::Ratio {
            numerator: n,
            denominator: d
        }),
        (0i64..100_000).prop_map(Measured::Count),
        Just(Measured::NoData("no data".into())),
    ]
}

proptest! {
    /// Whatever the measurements and adjustments, a leaf's points stay within its range, a
    /// deduction never takes more than its cap, a parent's points never exceed its weight, and
    /// the total is the sum of the top level.
    #[test]
    fn scores_stay_within_weights_and_caps(
        values in proptest::collection::vec(measured(), 14),
        adjustments in proptest::collection::vec((0usize..21, -2000i64..2000), 0..10),
        linyi in any::<bool>(),
        class in 0usize..3,
    ) {
        let mut p = plan(&[1]);
        if linyi {
            p.scheme = SchemeDefinition::parse(SHIPPED[1].1).expect("linyi");
            p.scope[0].class = Some(p.scheme.classes[class].clone());
        }
        let scheme = p.scheme.clone();
        let mut r = SupervisionRound::default();
        run(&mut r, RoundCommand::Plan(Box::new(p)));
        run(&mut r, advance(Stage::OnlineAnalysis));
        let names: Vec<&str> = crate::scheme::Source::ALL.iter().map(|s| s.name()).collect();
        let sources: BTreeMap<String, Observation> = names
            .iter()
            .zip(values)
            .filter(|(n, v)| {
                let kind = crate::scheme::Source::parse(n).expect("source").kind();
                matches!(
                    (kind, v),
                    (crate::scheme::SourceKind::Ratio, Measured::Ratio { .. })
                        | (crate::scheme::SourceKind::Count, Measured::Count(_))
                        | (_, Measured::NoData(_))
                )
            })
            .map(|(n, v)| ((*n).to_owned(), obs(v)))
            .collect();
        run(&mut r, RoundCommand::Score {
            known_at: known_at(),
            observations: BTreeMap::from([(dept(1), sources)]),
        });
        let leaves = scheme.leaves();
        for (i, points) in adjustments {
            let leaf = leaves[i % leaves.len()];
            // Out-of-range adjustments are refused; the others apply.
            let _ = r.decide(adjust(1, &leaf.id, points)).map(|events| {
                for e in events {
                    r.evolve(e);
                }
            });
        }
        let report = r.report(&dept(1)).expect("in scope");
        let mut top = 0;
        for result in &report.indicators {
            let Some(points) = result.points else { continue };
            match result.kind {
                IndicatorKind::Negative => {
                    prop_assert!(points.0 <= 0 && -points.0 <= result.weight.0, "{result:?}");
                }
                _ => prop_assert!(points.0 <= result.weight.0, "{result:?}"),
            }
            if let Some(crate::scheme::Rule::Deduction { cap: Some(cap), .. }) = &result.rule {
                if result.adjustment.is_none() {
                    let taken = match result.kind {
                        IndicatorKind::Negative => -points.0,
                        _ => result.weight.0 - points.0,
                    };
                    prop_assert!(taken <= cap.0, "{result:?}");
                }
            }
            if result.depth == 1 {
                top += points.0;
            }
        }
        prop_assert_eq!(report.total.0, top);
    }
}
