//! Names for the demo city: Indonesian in style, made up from syllables and common street-name
//! themes, so nothing points at a real place.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

const FIRST: [&str; 16] = [
    "Suka", "Mekar", "Tirta", "Wana", "Harja", "Bumi", "Karya", "Mulya", "Sari", "Giri", "Bina", "Puspa", "Sumber",
    "Ranca", "Taman", "Jati",
];
const SECOND: [&str; 16] = [
    "lestari", "wangi", "asri", "rahayu", "makmur", "permai", "sentosa", "jaya", "harapan", "sejati", "mukti", "laras",
    "arum", "kencana", "mandala", "utama",
];

/// Flowers name the east-west streets, birds the north-south ones, trees the collectors.
pub const FLOWERS: [&str; 10] =
    ["Melati", "Mawar", "Kenanga", "Cempaka", "Anggrek", "Dahlia", "Flamboyan", "Kamboja", "Teratai", "Seroja"];
pub const BIRDS: [&str; 10] =
    ["Rajawali", "Merpati", "Kutilang", "Cendrawasih", "Nuri", "Elang", "Jalak", "Kenari", "Camar", "Merak"];
pub const TREES: [&str; 10] =
    ["Mahoni", "Jati Emas", "Cemara", "Beringin", "Asem", "Durian", "Mangga", "Rambutan", "Kelapa", "Salak"];

/// `count` distinct place names (two syllable groups joined, e.g. "Mekarlestari").
pub fn places(rng: &mut ChaCha8Rng, count: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(count);
    while out.len() < count {
        let name = format!("{}{}", FIRST[rng.random_range(0..FIRST.len())], SECOND[rng.random_range(0..SECOND.len())]);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The street of lattice line `n` from a theme list: "Jalan Melati 2".
pub fn street(theme: &[&str], n: usize) -> String {
    format!("Jalan {} {}", theme[n % theme.len()], n / theme.len() + 1)
}
