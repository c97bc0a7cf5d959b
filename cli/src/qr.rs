//! A team link as a QR code (`tianye token create --qr`, `--qr-file`): for the terminal
//! in Unicode half blocks, or as an SVG or PNG file.
//!
//! What must stay true: every rendering has the 4-module quiet zone scanners need, and
//! draws dark modules on an explicitly light background (a dark terminal would
//! otherwise show the code inverted, which many phones cannot read); the same text
//! always gives the same bytes.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use qrcode::{Color, QrCode};

/// Modules of light margin on every side.
pub(crate) const QUIET_ZONE: usize = 4;
/// Pixels per module in a PNG.
const PNG_SCALE: usize = tianye_server::qr::MODULE as usize;

/// The QR code of `text` (error correction level M).
pub(crate) fn encode(text: &str) -> anyhow::Result<QrCode> {
    tianye_server::qr::encode(text).map_err(|e| anyhow::anyhow!(e))
}

/// Whether the module at (`x`, `y`), counted with the quiet zone, is dark.
fn dark(code: &QrCode, colors: &[Color], x: usize, y: usize) -> bool {
    let w = code.width();
    let (Some(x), Some(y)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else {
        return false;
    };
    x < w && y < w && colors[y * w + x] == Color::Dark
}

/// The code for a terminal: one character per module across and two modules per line
/// (`▀`, `▄`, `█`, space), black on bright white set by ANSI escapes on every line, the
/// quiet zone included; `width + 8` characters wide and `(width + 9) / 2` lines.
pub(crate) fn terminal(code: &QrCode) -> String {
    let colors = code.to_colors();
    let size = code.width() + 2 * QUIET_ZONE;
    let mut out = String::new();
    for y in (0..size).step_by(2) {
        out.push_str("\x1b[30;107m");
        for x in 0..size {
            let top = dark(code, &colors, x, y);
            let bottom = dark(code, &colors, x, y + 1);
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

/// The code as an SVG image (the server's rendering, as `/admin` shows it).
pub(crate) fn svg(code: &QrCode) -> String {
    tianye_server::qr::svg(code)
}

/// The code as an 8-bit greyscale PNG, 8 pixels per module.
pub(crate) fn png(code: &QrCode) -> anyhow::Result<Vec<u8>> {
    let colors = code.to_colors();
    let modules = code.width() + 2 * QUIET_ZONE;
    let side = modules * PNG_SCALE;
    let mut pixels = Vec::with_capacity(side * side);
    for py in 0..side {
        for px in 0..side {
            let dark = dark(code, &colors, px / PNG_SCALE, py / PNG_SCALE);
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).context("二维码过大 / QR code too large")?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// Writes the code to `path` as PNG or SVG by its extension, readable by its owner
/// only (`0600`): the link carries the team's token.
pub(crate) fn write_file(code: &QrCode, path: &Path) -> anyhow::Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("png") => png(code)?,
        Some("svg") => svg(code).into_bytes(),
        _ => anyhow::bail!(
            "二维码文件应以 .png 或 .svg 结尾：{0} / the QR code file must end in .png or .svg: {0}",
            path.display()
        ),
    };
    let mut file = tianye_server::store::private::create_private_file(path)
        .with_context(|| format!("无法创建 / cannot create {}", path.display()))?;
    file.write_all(&bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("无法写入 / cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str =
        "http://192.168.1.10:8080/#token=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEyMzQ1Njc4OTA";

    fn dark_modules(code: &QrCode) -> usize {
        code.to_colors().iter().filter(|c| **c == Color::Dark).count()
    }

    #[test]
    fn terminal_code_is_square_with_its_quiet_zone() {
        for text in ["a", LINK, &"x".repeat(300)] {
            let code = encode(text).unwrap();
            let size = code.width() + 2 * QUIET_ZONE;
            assert!((code.width() - 17).is_multiple_of(4), "a QR code's width is 17 + 4 × version");
            let shown = terminal(&code);
            let lines: Vec<&str> = shown.lines().collect();
            assert_eq!(lines.len(), size.div_ceil(2), "{text}");
            let mut dark = 0;
            for line in &lines {
                let body = line
                    .strip_prefix("\x1b[30;107m")
                    .and_then(|l| l.strip_suffix("\x1b[0m"))
                    .expect("black on bright white, reset after");
                assert_eq!(body.chars().count(), size);
                dark += body
                    .chars()
                    .map(|c| match c {
                        '█' => 2,
                        '▀' | '▄' => 1,
                        _ => 0,
                    })
                    .sum::<usize>();
            }
            assert_eq!(dark, dark_modules(&code), "{text}");
            // The quiet zone: the first two lines and the first four columns are light.
            assert!(lines[..2].iter().all(|l| !l.contains(['█', '▀', '▄'])));
            assert!(lines.iter().all(|l| l[l.find('m').unwrap() + 1..].starts_with("    ")));
            assert_eq!(terminal(&encode(text).unwrap()), shown, "deterministic");
        }
    }

    #[test]
    fn svg_is_xml_with_one_square_per_dark_module() {
        let code = encode(LINK).unwrap();
        let text = svg(&code);
        assert_eq!(svg(&encode(LINK).unwrap()), text, "deterministic");
        let mut reader = quick_xml::Reader::from_str(&text);
        let (mut root, mut squares, mut background) = (None, 0, false);
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    let attr = |name: &str| {
                        e.try_get_attribute(name).unwrap().map(|a| a.value.into_owned())
                    };
                    match e.name().as_ref() {
                        "svg" => root = attr("width"),
                        "rect" => background = attr("fill").as_deref() == Some("#ffffff"),
                        "path" => {
                            assert_eq!(attr("fill").as_deref(), Some("#000000"));
                            squares = attr("d").unwrap().matches('M').count();
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let side = (code.width() + 2 * QUIET_ZONE) * PNG_SCALE;
        assert_eq!(root, Some(side.to_string()));
        assert!(background, "an explicit white background");
        assert_eq!(squares, dark_modules(&code));
    }

    #[test]
    fn png_is_the_code_at_eight_pixels_per_module() {
        let code = encode(LINK).unwrap();
        let bytes = png(&code).unwrap();
        assert_eq!(png(&encode(LINK).unwrap()).unwrap(), bytes, "deterministic");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let side = (code.width() + 2 * QUIET_ZONE) * PNG_SCALE;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        let black: usize = pixels[..info.buffer_size()].iter().map(|&p| usize::from(p == 0)).sum();
        assert_eq!(black, dark_modules(&code) * PNG_SCALE * PNG_SCALE);
        assert!(pixels[..side * QUIET_ZONE * PNG_SCALE].iter().all(|p| *p == 255), "quiet zone");
    }
}
