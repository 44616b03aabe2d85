//! Enums whose values travel as fixed strings: in JSON, in SQLite columns and in query parameters.

/// Declares such an enum with each value's string written once: serde, the OpenAPI schema, `as_str`, `parse`
/// and `Display` all use it, so they cannot drift apart. `ALL` lists the values in declaration order.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] #[schema(rename = $wire)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            /// The value a string names; None for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use crate::store::{JobState, TurnStatus};

    #[test]
    fn serde_and_as_str_spell_every_value_the_same() {
        for &s in TurnStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(serde_json::from_value::<TurnStatus>(s.as_str().into()).unwrap(), s);
            assert_eq!(TurnStatus::parse(&s.to_string()), Some(s));
        }
        assert_eq!(serde_json::to_value(JobState::Canceled).unwrap(), "canceled");
        assert_eq!(TurnStatus::parse("in_progress"), None);
    }
}
