//! A team link as a QR code: the code itself and its SVG, for `tianye token create
//! --qr` (whose terminal and PNG renderings live in the CLI) and for `/admin`'s new
//! team links.
//!
//! What must stay true: the SVG has the 4-module quiet zone scanners need and draws
//! dark modules on an explicitly white background; the same text always gives the same
//! bytes.

use qrcode::QrCode;

/// Units per module in the SVG (and pixels per module in the CLI's PNG).
pub const MODULE: u32 = 8;

/// The QR code of `text` (error correction level M), or why there is none (the text is
/// too long for one).
pub fn encode(text: &str) -> Result<QrCode, String> {
    QrCode::new(text.as_bytes())
        .map_err(|e| format!("无法生成二维码 / cannot make the QR code: {e}"))
}

/// The code as an SVG image: black modules of [`MODULE`] units on a white background,
/// with its quiet zone.
pub fn svg(code: &QrCode) -> String {
    code.render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(MODULE, MODULE)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build()
}
