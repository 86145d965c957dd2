//! Reading WordPress exports (WXR 1.x).
