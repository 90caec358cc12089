//! How each fault-typing method stands against the consensus fault, and why it was overruled.

use crate::methods::doernenburg::DoernenburgFault;
use crate::methods::key_gas::KeyGasFault;
use crate::methods::rogers::RogersCase;

use super::evidence::Inputs;
use super::readings::{Kind, from_pentagon, from_ratio_code, from_triangle, from_triangle_4, kind};
use super::typing::Typing;
use super::verdict::{Agreement, Stance, Vote};

fn stance(consensus: Kind, vote: Kind) -> Stance {
    let part = |k: Kind| matches!(k, Kind::Discharge | Kind::Thermal);
    if consensus == vote {
        Stance::Agrees
    } else if (consensus == Kind::Mixed && part(vote)) || (vote == Kind::Mixed && part(consensus)) {
        Stance::PartlyAgrees
    } else {
        Stance::Disagrees
    }
}

/// Every fault-typing method's answer: (method, answer as reported, kind).
fn answers(inputs: &Inputs<'_>) -> Vec<(&'static str, String, Kind)> {
    let mut out = Vec::new();
    if let Some(zone) = inputs.triangle_1.zone
        && let Some(k) = kind(from_triangle(zone))
    {
        out.push(("duval_triangle_1", format!("{zone:?}"), k));
    }
    if inputs.triangle_4.applicability.applicable
        && let Some(zone) = inputs.triangle_4.zone
        && let Some(k) = from_triangle_4(zone).and_then(kind)
    {
        out.push(("duval_triangle_4", format!("{zone:?}"), k));
    }
    if let Some(zone) = inputs.pentagon_1.zone
        && let Some(k) = kind(from_pentagon(zone))
    {
        out.push(("duval_pentagon_1", format!("{zone:?}"), k));
    }
    if inputs.iec.ratio_code_applicability.applicable
        && let Some(code) = inputs.iec.ratio_code
        && let Some(k) = from_ratio_code(code).and_then(kind)
    {
        out.push(("iec_60599", format!("{code:?}"), k));
    }
    let rogers = inputs.rogers.case.and_then(|case| match case {
        RogersCase::PartialDischarge => Some(("case 1, PD", Kind::PartialDischarge)),
        RogersCase::Arcing => Some(("case 2, arcing", Kind::Discharge)),
        RogersCase::LowTemperatureThermal => {
            Some(("case 3, low-temperature thermal", Kind::Thermal))
        }
        RogersCase::ThermalBelow700C => Some(("case 4, thermal < 700 °C", Kind::Thermal)),
        RogersCase::ThermalAbove700C => Some(("case 5, thermal > 700 °C", Kind::Thermal)),
        RogersCase::Normal | RogersCase::NotDetermined => None,
    });
    if let Some((answer, k)) = rogers {
        out.push(("rogers", answer.to_owned(), k));
    }
    let doernenburg = match inputs.doernenburg.fault {
        DoernenburgFault::ThermalDecomposition => Some(("thermal decomposition", Kind::Thermal)),
        DoernenburgFault::PartialDischarge => Some(("partial discharge", Kind::PartialDischarge)),
        DoernenburgFault::Arcing => Some(("arcing", Kind::Discharge)),
        DoernenburgFault::NotDetermined => None,
    };
    if inputs.doernenburg.fault_indicated
        && let Some((answer, k)) = doernenburg
    {
        out.push(("doernenburg", answer.to_owned(), k));
    }
    // Overheated cellulose is what CO dominating the six gases looks like: a sign of paper,
    // not a fault type (it is read into `paper_involved`).
    let key_gas = inputs.key_gas.fault.and_then(|fault| match fault {
        KeyGasFault::OverheatedOil => Some(("overheated oil", Kind::Thermal)),
        KeyGasFault::PartialDischarge => Some(("partial discharge", Kind::PartialDischarge)),
        KeyGasFault::Arcing => Some(("arcing", Kind::Discharge)),
        KeyGasFault::OverheatedCellulose => None,
    });
    if let Some((answer, k)) = key_gas {
        out.push(("key_gas", answer.to_owned(), k));
    }
    out
}

pub(super) fn agreement(inputs: &Inputs<'_>, typing: &Typing) -> Agreement {
    let mut agreement = Agreement {
        decided_by: typing.source.map(str::to_owned),
        ..Agreement::default()
    };
    let Some(consensus) = kind(typing.fault) else {
        return agreement;
    };
    for (method, answer, k) in answers(inputs) {
        if Some(method) == typing.source {
            continue;
        }
        let special = typing
            .overruled_some
            .iter()
            .find(|(one, _)| *one == method)
            .map(|(_, why)| why.clone());
        let stance = match &special {
            // A method the consensus overruled by name disagrees even within the same kind
            // (Triangle 1's T2 refined to T1).
            Some(_) if answer != typing.fault.label() => Stance::Disagrees,
            _ => stance(consensus, k),
        };
        let overruled_because = (stance == Stance::Disagrees)
            .then(|| special.unwrap_or_else(|| typing.overruled.to_owned()));
        match stance {
            Stance::Agrees => agreement.agreeing.push(method.to_owned()),
            Stance::Disagrees => agreement.disagreeing.push(method.to_owned()),
            Stance::PartlyAgrees => {}
        }
        agreement.votes.push(Vote {
            method: method.to_owned(),
            answer,
            stance,
            overruled_because,
        });
    }
    agreement
}
