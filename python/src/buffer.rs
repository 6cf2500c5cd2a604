//! A read-only buffer over a decoded page, for zero-copy numpy views.

use std::ffi::{c_int, c_void};

use bytes::Bytes;
use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::prelude::*;

/// Read-only bytes of one page (or a slice of one), shared with the file
/// mapping or the page cache; `numpy.frombuffer(page)` views them without
/// copying and keeps them alive.
#[pyclass(frozen, module = "gcol._gcol")]
pub struct PageBuffer {
    pub(crate) data: Bytes,
}

static FORMAT_U8: &[u8; 2] = b"B\0";

#[pymethods]
impl PageBuffer {
    fn __len__(&self) -> usize {
        self.data.len()
    }

    /// The bytes, copied into a Python `bytes`.
    fn tobytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.data)
    }

    /// # Safety
    /// Called by CPython with a valid `view`; fills it to describe `data`,
    /// which lives as long as `self`, which the view holds a reference to.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("view is null"));
        }
        if (flags & ffi::PyBUF_WRITABLE) == ffi::PyBUF_WRITABLE {
            return Err(PyBufferError::new_err("gcol pages are read-only"));
        }
        let (ptr, len) = {
            let this = slf.get();
            (this.data.as_ptr(), this.data.len())
        };
        // SAFETY: `view` is non-null and owned by the caller for this call;
        // the pointers stored stay valid while `(*view).obj` (this object,
        // which owns the `Bytes`) is alive, and the view keeps it alive.
        unsafe {
            (*view).obj = slf.into_any().into_ptr();
            (*view).buf = ptr as *mut c_void;
            (*view).len = len as isize;
            (*view).readonly = 1;
            (*view).itemsize = 1;
            (*view).format = if (flags & ffi::PyBUF_FORMAT) == ffi::PyBUF_FORMAT {
                FORMAT_U8.as_ptr() as *mut std::ffi::c_char
            } else {
                std::ptr::null_mut()
            };
            (*view).ndim = 1;
            (*view).shape = if (flags & ffi::PyBUF_ND) == ffi::PyBUF_ND {
                &mut (*view).len
            } else {
                std::ptr::null_mut()
            };
            (*view).strides = if (flags & ffi::PyBUF_STRIDES) == ffi::PyBUF_STRIDES {
                &mut (*view).itemsize
            } else {
                std::ptr::null_mut()
            };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
        }
        Ok(())
    }

    /// # Safety
    /// Nothing was allocated for the view (the format string is static).
    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {}
}
