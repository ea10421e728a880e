//! serde support for the collector (feature `serde`): answers as a JSON object of strings and
//! error codes as their wire strings. The widget does not enable it — its JSON goes through
//! [`crate::json`], which is far smaller in wasm.

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{MapAccess, Visitor},
    ser::SerializeMap,
};

use crate::{ErrorCode, answer::Answers};

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Answers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Answers, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Answers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Answers, A::Error> {
                let mut a = Answers::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    a.insert(k, v);
                }
                Ok(a)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_codes_as_json() {
        let mut a = Answers::new();
        a.insert("b".into(), "2".into());
        a.insert("a".into(), "1".into());
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text, r#"{"a":"1","b":"2"}"#);
        assert_eq!(text, a.to_json());
        assert_eq!(serde_json::from_str::<Answers>(&text).unwrap(), a);
        assert_eq!(
            serde_json::to_string(&ErrorCode::TooLong).unwrap(),
            r#""too_long""#
        );
    }
}
