//! Checks for Chinese mobile numbers, resident ID numbers and e-mail addresses.

use crate::expr::Date;

/// Whether `text` is a mainland China mobile number: 11 digits starting `13`–`19`,
/// optionally after `+86`/`86`, with spaces or hyphens allowed between digits.
pub fn check_phone(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| (digits.len() == 13).then(|| digits.strip_prefix("86")).flatten())
        .unwrap_or(&digits);
    let b = digits.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Province-level codes: the first two digits of a resident ID number.
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// Checks a resident identity card number (GB 11643): 18 characters, 17 digits then a
/// digit or `X`, a valid province code, a real birth date not after `today`, and the
/// ISO 7064 MOD 11-2 check character. `Err` names what is wrong: `length`, `format`,
/// `region`, `birth_date` or `check_digit`.
pub fn check_id_number(text: &str, today: Date) -> Result<(), &'static str> {
    let b = text.as_bytes();
    if text.chars().count() != 18 {
        return Err("length");
    }
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return Err("format");
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !PROVINCES.contains(&province) {
        return Err("region");
    }
    match crate::expr::eval::id_birth_date(text) {
        Some(d) if d <= today && d.ymd().0 >= 1900 => {}
        _ => return Err("birth_date"),
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    if CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase() {
        Ok(())
    } else {
        Err("check_digit")
    }
}

/// Whether `text` is an e-mail address: `local@domain`, the local part of the
/// characters RFC 5322 allows unquoted, the domain two or more labels of letters,
/// digits and inner hyphens, ending in a letters-only top-level domain.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    if text.len() > 254 || local.is_empty() || local.len() > 64 {
        return false;
    }
    let local_ok =
        local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in [
            "13812345678",
            "+86 138-1234-5678",
            "8619912345678",
            "15000000000",
            "13000000000",
            "19999999999",
            "+8613812345678",
        ] {
            assert!(check_phone(ok), "{ok}");
        }
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "0731-8888888",
            "1381234567x",
            "",
            "23812345678",
            "86138123456",
            "+8613812345678 9",
            "138_1234_5678",
        ] {
            assert!(!check_phone(bad), "{bad}");
        }
    }

    #[test]
    fn id_numbers() {
        let today = Date::parse("2026-07-01").unwrap();
        // 11010519491231002X is the standard's own example.
        assert_eq!(check_id_number("11010519491231002X", today), Ok(()));
        assert_eq!(check_id_number("11010519491231002x", today), Ok(()));
        assert_eq!(check_id_number("110105194912310021", today), Err("check_digit"));
        assert_eq!(check_id_number("1101051949123100", today), Err("length"));
        assert_eq!(check_id_number("11010519491231002Y", today), Err("format"));
        assert_eq!(check_id_number("99010519491231002X", today), Err("region"));
        assert_eq!(check_id_number("110105194913310026", today), Err("birth_date"));
        assert_eq!(check_id_number("110105203012310023", today), Err("birth_date"));
        // At each bound: the first and last province codes and their neighbours; born on
        // 1900-01-01 and in 1899; born today and tomorrow; 29 February in a leap year
        // and in 1900, which is not one; eighteen characters that are not 18 bytes.
        let bounds = [
            ("11010519000101001X", Ok(())),
            ("110105189912310015", Err("birth_date")),
            ("83010520060701001X", Ok(())),
            ("840105200607010011", Err("region")),
            ("100105200607010019", Err("region")),
            ("650105200607010016", Ok(())),
            ("11010520260701001X", Ok(())),
            ("110105202607020015", Err("birth_date")),
            ("110105200002290013", Ok(())),
            ("110105190002290017", Err("birth_date")),
            ("11010519491231002中", Err("format")),
            ("1101051949123100X2", Err("format")),
        ];
        for (id, want) in bounds {
            assert_eq!(check_id_number(id, today), want, "{id}");
        }
    }

    #[test]
    fn emails() {
        for ok in ["a@b.cn", "li.ming+survey@example.edu.cn", "x_y@sub-domain.example.com"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in
            ["a@b", "@b.cn", "a@.cn", "a..b@c.cn", "a@b.c1", "a b@c.cn", "a@-b.cn", "李@例子.中国"]
        {
            assert!(!is_email(bad), "{bad}");
        }
        // At each length bound (RFC 5321: 254 in all, 64 before the @, 63 per label) and
        // the shortest top-level domain; dots and hyphens at the ends of their parts.
        let longest = format!(
            "{}@{}.{}.{}.cn",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(58)
        );
        assert_eq!(longest.len(), 254);
        assert!(is_email(&longest));
        let one_over = longest.replace(".d", ".dd");
        assert_eq!(one_over.len(), 255);
        assert!(!is_email(&one_over), "every part within its bound, too long in all");
        assert!(is_email(&format!("{}@b.cn", "a".repeat(64))));
        assert!(!is_email(&format!("{}@b.cn", "a".repeat(65))));
        assert!(is_email(&format!("a@{}.cn", "b".repeat(63))));
        assert!(!is_email(&format!("a@{}.cn", "b".repeat(64))));
        for bad in ["a@b.c", ".a@b.cn", "a.@b.cn", "a@b-.cn", "a@b.cn-", "a@b..cn", "a@b@c.cn"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
