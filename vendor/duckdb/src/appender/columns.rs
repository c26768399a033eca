//! tally's addition: append rows by filling DuckDB's vectors column by column,
//! with no Arrow batch built and converted in between (see vendor/README.md;
//! tally's tests of it are in its src/store/line_batch.rs).

use super::{Appender, Result, ffi};
use crate::{Error, core::DataChunkHandle, core::LogicalTypeHandle, core::LogicalTypeId, error::result_from_duckdb_appender};

/// How a column's values are held in a vector, for the types this path fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Physical {
    /// INTEGER.
    Int32,
    /// BIGINT, TIMESTAMP (microseconds), DECIMAL of width 10 to 18 (scaled).
    Int64,
    /// VARCHAR.
    Text,
    /// Any other type: this path cannot fill it.
    Other,
}

fn physical(ty: &LogicalTypeHandle) -> Physical {
    match ty.id() {
        LogicalTypeId::Integer => Physical::Int32,
        LogicalTypeId::Bigint | LogicalTypeId::Timestamp => Physical::Int64,
        LogicalTypeId::Varchar => Physical::Text,
        LogicalTypeId::Decimal
            if unsafe { ffi::duckdb_decimal_internal_type(ty.ptr) } == ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT =>
        {
            Physical::Int64
        }
        _ => Physical::Other,
    }
}

/// One chunk of rows being filled: every column must be given exactly
/// [`len`](Columns::len) values, once, with the method of its type.
pub struct Columns<'c> {
    chunk: &'c DataChunkHandle,
    types: &'c [Physical],
    filled: Vec<bool>,
    len: usize,
}

impl Columns<'_> {
    /// The rows of this chunk.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the chunk has no rows (never, when handed to a fill).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn take(&mut self, col: usize, want: Physical) -> Result<()> {
        match self.types.get(col) {
            None => Err(refused(format!("no column {col}: the table has {}", self.types.len()))),
            Some(_) if self.filled[col] => Err(refused(format!("column {col} filled twice"))),
            Some(ty) if *ty != want => Err(refused(format!("column {col} holds {ty:?} values, given {want:?}"))),
            Some(_) => {
                self.filled[col] = true;
                Ok(())
            }
        }
    }

    fn fill_numbers<T: Copy>(&mut self, col: usize, want: Physical, values: impl IntoIterator<Item = T>) -> Result<()> {
        self.take(col, want)?;
        let mut vector = self.chunk.flat_vector(col);
        // SAFETY: the column's physical type was checked to be `T` (`take`), and a
        // chunk's vectors hold `duckdb_vector_size()` >= `len` values.
        let slots = unsafe { vector.as_mut_slice_with_len::<T>(self.len) };
        let mut n = 0;
        for value in values {
            if n == slots.len() {
                return Err(count_error(col, self.len, n + 1));
            }
            slots[n] = value;
            n += 1;
        }
        if n != self.len {
            return Err(count_error(col, self.len, n));
        }
        Ok(())
    }

    /// Fills an INTEGER column.
    pub fn i32s(&mut self, col: usize, values: impl IntoIterator<Item = i32>) -> Result<()> {
        self.fill_numbers(col, Physical::Int32, values)
    }

    /// Fills a BIGINT column, a TIMESTAMP column (microseconds since the epoch) or
    /// a DECIMAL column of width 10 to 18 (the value scaled to an integer).
    pub fn i64s(&mut self, col: usize, values: impl IntoIterator<Item = i64>) -> Result<()> {
        self.fill_numbers(col, Physical::Int64, values)
    }

    /// Fills a VARCHAR column.
    pub fn strs<'s>(&mut self, col: usize, values: impl IntoIterator<Item = &'s str>) -> Result<()> {
        self.take(col, Physical::Text)?;
        let vector = self.chunk.flat_vector(col);
        let mut n = 0;
        for value in values {
            if n == self.len {
                return Err(count_error(col, self.len, n + 1));
            }
            // SAFETY: `n` < `len` <= the vector's capacity; the column is VARCHAR.
            unsafe {
                ffi::duckdb_vector_assign_string_element_len(
                    vector.ptr(),
                    n as u64,
                    value.as_ptr() as *const std::os::raw::c_char,
                    value.len() as u64,
                );
            }
            n += 1;
        }
        if n != self.len {
            return Err(count_error(col, self.len, n));
        }
        Ok(())
    }
}

/// A fill the appender refuses, with why.
fn refused(why: String) -> Error {
    Error::ToSqlConversionFailure(why.into())
}

fn count_error(col: usize, want: usize, got: usize) -> Error {
    refused(format!(
        "column {col}: {want} values expected for the chunk, {}",
        if got > want { "more given".to_owned() } else { format!("{got} given") }
    ))
}

impl Appender<'_> {
    /// Appends `rows` rows, `fill` giving each chunk's values column by column:
    /// `fill(columns, first)` fills rows `first .. first + columns.len()` (a chunk
    /// is at most DuckDB's vector size, 2,048 rows). Every column must be filled;
    /// INTEGER, BIGINT, TIMESTAMP, DECIMAL(≤ 18) and VARCHAR columns can be, not
    /// NULL. No Arrow batch is built: the values go straight into DuckDB's vectors.
    ///
    /// # Failure
    ///
    /// Returns `Err` if a column of another type is in the table, a column is not
    /// filled, filled twice or given the wrong number or type of values, `fill`
    /// fails, or DuckDB refuses a chunk. Chunks appended before the failure stay in
    /// the appender (a transaction rolled back drops them).
    pub fn append_columns(
        &mut self,
        rows: usize,
        mut fill: impl FnMut(&mut Columns<'_>, usize) -> Result<()>,
    ) -> Result<()> {
        let count = unsafe { ffi::duckdb_appender_column_count(self.app) } as usize;
        let logical: Vec<LogicalTypeHandle> = (0..count)
            // SAFETY: the appender is open and `i` < its column count; the handle
            // owns (and destroys) the returned type.
            .map(|i| unsafe { LogicalTypeHandle::new(ffi::duckdb_appender_column_type(self.app, i as u64)) })
            .collect();
        let types: Vec<Physical> = logical.iter().map(physical).collect();
        let vector_size = unsafe { ffi::duckdb_vector_size() } as usize;
        let mut first = 0;
        while first < rows {
            let len = vector_size.min(rows - first);
            let chunk = DataChunkHandle::new(&logical);
            let mut columns = Columns {
                chunk: &chunk,
                types: &types,
                filled: vec![false; count],
                len,
            };
            fill(&mut columns, first)?;
            if let Some(col) = columns.filled.iter().position(|f| !f) {
                return Err(refused(format!("column {col} not filled")));
            }
            chunk.set_len(len);
            let rc = unsafe { ffi::duckdb_append_data_chunk(self.app, chunk.get_ptr()) };
            result_from_duckdb_appender(rc, &mut self.app)?;
            first += len;
        }
        Ok(())
    }
}
