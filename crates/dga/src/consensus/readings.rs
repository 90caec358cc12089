//! Each method's reading as a consensus fault, and the broad kind of fault it belongs to.

use crate::methods::duval_pentagons::Pentagon1Zone;
use crate::methods::duval_triangles::{Triangle1Zone, Triangle4Zone};
use crate::methods::iec_60599::RatioCode;

use super::verdict::Fault;

pub(super) fn from_triangle(zone: Triangle1Zone) -> Fault {
    match zone {
        Triangle1Zone::PD => Fault::PD,
        Triangle1Zone::T1 => Fault::T1,
        Triangle1Zone::T2 => Fault::T2,
        Triangle1Zone::T3 => Fault::T3,
        Triangle1Zone::D1 => Fault::D1,
        Triangle1Zone::D2 => Fault::D2,
        Triangle1Zone::DT => Fault::DT,
    }
}

pub(super) fn from_triangle_4(zone: Triangle4Zone) -> Option<Fault> {
    match zone {
        Triangle4Zone::PD => Some(Fault::PD),
        Triangle4Zone::S => Some(Fault::S),
        Triangle4Zone::O => Some(Fault::T1),
        Triangle4Zone::C => Some(Fault::T2),
        Triangle4Zone::ND => None,
    }
}

pub(super) fn from_pentagon(zone: Pentagon1Zone) -> Fault {
    match zone {
        Pentagon1Zone::PD => Fault::PD,
        Pentagon1Zone::S => Fault::S,
        Pentagon1Zone::D1 => Fault::D1,
        Pentagon1Zone::D2 => Fault::D2,
        Pentagon1Zone::T1 => Fault::T1,
        Pentagon1Zone::T2 => Fault::T2,
        Pentagon1Zone::T3 => Fault::T3,
    }
}

pub(super) fn from_ratio_code(code: RatioCode) -> Option<Fault> {
    match code {
        RatioCode::PD => Some(Fault::PD),
        RatioCode::D1 => Some(Fault::D1),
        RatioCode::D2 => Some(Fault::D2),
        RatioCode::T1 => Some(Fault::T1),
        RatioCode::T2 => Some(Fault::T2),
        RatioCode::T3 => Some(Fault::T3),
        RatioCode::ND => None,
    }
}

/// The broad kind of a fault, for comparing methods that name faults differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    PartialDischarge,
    Discharge,
    Thermal,
    Stray,
    Mixed,
}

pub(super) fn kind(fault: Fault) -> Option<Kind> {
    match fault {
        Fault::PD => Some(Kind::PartialDischarge),
        Fault::D1 | Fault::D2 => Some(Kind::Discharge),
        Fault::T1 | Fault::T2 | Fault::T3 => Some(Kind::Thermal),
        Fault::S => Some(Kind::Stray),
        Fault::DT => Some(Kind::Mixed),
        Fault::None | Fault::Undetermined => None,
    }
}
