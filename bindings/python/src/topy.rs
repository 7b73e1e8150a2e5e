//! Rust values → Python objects, straight from their `serde::Serialize` (no
//! `serde_json::Value` in between): structs and maps become dicts, sequences lists, strings
//! str, integers int, and the contract's exact numbers `decimal.Decimal` (terminating) or
//! `fractions.Fraction` (not), never float.
//!
//! Which strings are exact numbers is told by the struct and the field they are in (the
//! schema's `$defs/exact`, `exactOrNull`, `decimalOrNull` in
//! docs/schema/evaluation.schema.json); see [`is_exact`].

use std::fmt::{self, Write as _};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString};
use pyo3::BoundObject;
use serde::ser::{self, Serialize};

/// Whether field `key` of the struct `name` (its Rust name, as serde gives it) holds an
/// exact number as text (`"2.015"`, `"23/29"`) or null.
fn is_exact(name: &str, key: &str) -> bool {
    match name {
        "Evaluation" | "SelfEvaluation" => key == "total",
        "IndicatorResult" => matches!(key, "value" | "score" | "weight" | "self_score"),
        "CategoryResult" => matches!(key, "score" | "weight" | "applicable_weight" | "self_score"),
        "ScoringNote" => matches!(key, "earned" | "evaluable" | "applicable" | "full_marks" | "graded"),
        "CheckResult" => matches!(key, "left" | "right" | "difference" | "expected_difference"),
        "ComputedResult" => key == "value",
        _ => false,
    }
}

/// Python objects made once per batch and shared: str is immutable, and so are Decimal
/// and Fraction, so sharing one object among results is invisible to Python and saves
/// time and memory.
#[derive(Default)]
pub struct Cache {
    /// Struct field names, by the address and length of their `&'static str`.
    fields: foldhash::HashMap<(usize, usize), Py<PyString>>,
    /// Short texts (`已评分`, a path's `投入`, map keys).
    texts: foldhash::HashMap<String, Py<PyString>>,
    /// Short exact numbers (`"5"`, `"10.00"`).
    numbers: foldhash::HashMap<String, Py<PyAny>>,
    /// Scratch space for `collect_str`.
    buf: String,
}

impl Cache {
    /// Texts and numbers longer than this are made anew each time. Most texts up to this
    /// length repeat from unit to unit (indicator names, paths, statuses, check
    /// expressions; a few hundred bytes of Chinese), the unit's own are few.
    const SHORT: usize = 256;
    /// At most this many texts and numbers are kept.
    const MAX: usize = 50_000;

    /// `value` as Python objects.
    pub fn convert<'py, T: Serialize + ?Sized>(&mut self, py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
        value
            .serialize(ToPy {
                py,
                cache: self,
                exact: false,
            })
            .map_err(|e| e.0)
    }

    fn field<'py>(&mut self, py: Python<'py>, key: &'static str) -> Bound<'py, PyString> {
        self.fields
            .entry((key.as_ptr() as usize, key.len()))
            .or_insert_with(|| PyString::new(py, key).unbind())
            .bind(py)
            .clone()
    }

    fn text<'py>(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        if text.len() > Self::SHORT {
            return PyString::new(py, text);
        }
        if let Some(s) = self.texts.get(text) {
            return s.bind(py).clone();
        }
        let s = PyString::new(py, text);
        if self.texts.len() < Self::MAX {
            self.texts.insert(text.to_owned(), s.clone().unbind());
        }
        s
    }

    fn number<'py>(&mut self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if text.len() > Self::SHORT {
            return exact(py, text);
        }
        if let Some(x) = self.numbers.get(text) {
            return Ok(x.bind(py).clone());
        }
        let x = exact(py, text)?;
        if self.numbers.len() < Self::MAX {
            self.numbers.insert(text.to_owned(), x.clone().unbind());
        }
        Ok(x)
    }
}

/// `decimal.Decimal` and `fractions.Fraction`, imported once.
struct Types {
    decimal: Py<PyAny>,
    fraction: Py<PyAny>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

/// An exact number's text (`"2.015"`, `"23/29"`) as `Decimal` or `Fraction`.
pub fn exact<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let types = TYPES.get_or_try_init(py, || {
        Ok::<_, PyErr>(Types {
            decimal: py.import("decimal")?.getattr("Decimal")?.unbind(),
            fraction: py.import("fractions")?.getattr("Fraction")?.unbind(),
        })
    })?;
    match text.split_once('/') {
        Some((n, d)) => types.fraction.bind(py).call1((py_int(py, n)?, py_int(py, d)?)),
        None => types.decimal.bind(py).call1((text,)),
    }
}

fn py_int<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    match text.parse::<i64>() {
        Ok(n) => Ok(n.into_pyobject(py)?.into_any()),
        Err(_) => py.get_type::<PyInt>().call1((text,)),
    }
}

/// A `PyErr` carried through serde.
pub struct Error(PyErr);

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Error {
        Error(e)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(PyValueError::new_err(msg.to_string()))
    }
}

/// The serializer of one value; `exact`: its strings are exact numbers.
struct ToPy<'c, 'py> {
    py: Python<'py>,
    cache: &'c mut Cache,
    exact: bool,
}

type Out<'py> = Result<Bound<'py, PyAny>, Error>;

impl<'py> ToPy<'_, 'py> {
    fn int(self, n: impl IntoPyObject<'py>) -> Out<'py> {
        Ok(n.into_pyobject(self.py).map_err(Into::into)?.into_any().into_bound())
    }
}

impl<'c, 'py> ser::Serializer for ToPy<'c, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'c, 'py>;
    type SerializeTuple = Seq<'c, 'py>;
    type SerializeTupleStruct = Seq<'c, 'py>;
    type SerializeTupleVariant = Variant<Seq<'c, 'py>>;
    type SerializeMap = Map<'c, 'py>;
    type SerializeStruct = Struct<'c, 'py>;
    type SerializeStructVariant = Variant<Struct<'c, 'py>>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        self.int(v)
    }
    /// Nothing in the contract is a float; were one there, it would be its shortest
    /// round-trip text as a `Decimal` (as the JSON reader would give it), never a float.
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        if v.is_finite() {
            Ok(exact(self.py, &format!("{v}"))?)
        } else {
            Ok(self.py.None().into_bound(self.py))
        }
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        if self.exact {
            Ok(self.cache.number(self.py, v)?)
        } else {
            Ok(self.cache.text(self.py, v).into_any())
        }
    }
    /// Exact numbers come this way (`Number` serializes with `collect_str`): written into
    /// one reused buffer rather than a new `String` each.
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Out<'py> {
        let mut buf = std::mem::take(&mut self.cache.buf);
        buf.clear();
        write!(buf, "{value}").map_err(<Error as ser::Error>::custom)?;
        let py = self.py;
        let cache = &mut *self.cache;
        let out = if self.exact {
            cache.number(py, &buf)
        } else {
            Ok(cache.text(py, &buf).into_any())
        };
        cache.buf = buf;
        Ok(out?)
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(PyList::new(self.py, v)?.into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Out<'py> {
        Ok(self.cache.field(self.py, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    /// `{"Variant": value}`, as serde_json writes it.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let d = PyDict::new(self.py);
        let key = self.cache.field(self.py, variant);
        let value = value.serialize(ToPy {
            py: self.py,
            cache: self.cache,
            exact: false,
        })?;
        d.set_item(key, value)?;
        Ok(d.into_any())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'c, 'py>, Error> {
        Ok(Seq {
            py: self.py,
            cache: self.cache,
            exact: self.exact,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'c, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'c, 'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'c, 'py>, Error> {
        Ok(Map {
            py: self.py,
            cache: self.cache,
            dict: PyDict::new(self.py),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Struct<'c, 'py>, Error> {
        Ok(Struct {
            py: self.py,
            cache: self.cache,
            name,
            dict: PyDict::new(self.py),
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Ok(Variant {
            variant,
            inner: self.serialize_struct(name, len)?,
        })
    }
}

/// A sequence → list.
struct Seq<'c, 'py> {
    py: Python<'py>,
    cache: &'c mut Cache,
    exact: bool,
    items: Vec<Bound<'py, PyAny>>,
}

impl<'py> Seq<'_, 'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let item = value.serialize(ToPy {
            py: self.py,
            cache: self.cache,
            exact: self.exact,
        })?;
        self.items.push(item);
        Ok(())
    }

    fn list(self) -> Out<'py> {
        Ok(PyList::new(self.py, self.items)?.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

impl<'py> ser::SerializeTuple for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

/// A map → dict (keys as text; serde_json writes numeric keys as strings too).
struct Map<'c, 'py> {
    py: Python<'py>,
    cache: &'c mut Cache,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
}

impl<'py> ser::SerializeMap for Map<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key = key.serialize(ToPy {
            py: self.py,
            cache: self.cache,
            exact: false,
        })?;
        self.key = Some(if key.is_instance_of::<PyString>() {
            key
        } else {
            key.str()?.into_any()
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value without its key"))?;
        let value = value.serialize(ToPy {
            py: self.py,
            cache: self.cache,
            exact: false,
        })?;
        self.dict.set_item(key, value)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        Ok(self.dict.into_any())
    }
}

/// A struct → dict, its fields' names shared.
struct Struct<'c, 'py> {
    py: Python<'py>,
    cache: &'c mut Cache,
    name: &'static str,
    dict: Bound<'py, PyDict>,
}

impl<'py> ser::SerializeStruct for Struct<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let value = value.serialize(ToPy {
            py: self.py,
            cache: self.cache,
            exact: is_exact(self.name, key),
        })?;
        self.dict.set_item(self.cache.field(self.py, key), value)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        Ok(self.dict.into_any())
    }
}

/// An enum's tuple or struct variant → `{"Variant": …}`, as serde_json writes it.
struct Variant<S> {
    variant: &'static str,
    inner: S,
}

fn wrap<'py>(py: Python<'py>, cache: &mut Cache, variant: &'static str, value: Bound<'py, PyAny>) -> Out<'py> {
    let d = PyDict::new(py);
    d.set_item(cache.field(py, variant), value)?;
    Ok(d.into_any())
}

impl<'py> ser::SerializeTupleVariant for Variant<Seq<'_, 'py>> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.push(value)
    }
    fn end(self) -> Out<'py> {
        let Seq { py, cache, items, .. } = self.inner;
        let list = PyList::new(py, items)?.into_any();
        wrap(py, cache, self.variant, list)
    }
}

impl<'py> ser::SerializeStructVariant for Variant<Struct<'_, 'py>> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Out<'py> {
        let Struct { py, cache, dict, .. } = self.inner;
        wrap(py, cache, self.variant, dict.into_any())
    }
}
