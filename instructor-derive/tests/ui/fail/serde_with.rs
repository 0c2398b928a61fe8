use instructor_derive::Instructor;

mod as_string {
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Instructor, serde::Deserialize)]
struct Order {
    #[serde(deserialize_with = "as_string::deserialize")]
    id: u64,
}

fn main() {}
