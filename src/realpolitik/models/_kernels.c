/* Compiled inner loops for the models: optional, bit-identical to the numpy code they replace.
 *
 * Why C: BDM's direct vote sum N[i, j, b] = sum_k w[k, b] * max(0, v[k, j, b] - v[k, i, b]) is O(A^3) per batch
 * row and about 40 % of a lab run. numpy does it in three passes over a (K, A, A, rows) temporary whose inner
 * loops are short; here it is one pass with the batch axis innermost, so the compiler vectorises over rows.
 *
 * Bits: every output element is t_0 + t_1 + ... + t_{K-1}, t_k = w_k * max(0, diff), added left to right in voter
 * order, which is what numpy's add.reduce over the outer axis does in the numpy twin; each lane of a vector is one
 * batch row, so vectorising changes no order. max(0, d) is numpy's maximum(d, +0): d where d > 0 or d is NaN (NaN
 * propagates, as in numpy), else +0. The build must not contract a*b+c into an FMA or reassociate (no
 * -ffast-math; setup.py passes -ffp-contract=off), and tests/test_models_kernels.py checks bit equality against
 * the numpy path, NaN and infinities included.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RP_CLONES
#endif

RP_CLONES
static void vote_sum(const double *restrict v, const double *restrict w, double *restrict out, Py_ssize_t K,
                     Py_ssize_t A, Py_ssize_t B) {
    /* v: (K, A, B), w: (K, B), out: (A, A, B), all C-contiguous. */
    for (Py_ssize_t i = 0; i < A; i++) {
        for (Py_ssize_t j = 0; j < A; j++) {
            double *restrict acc = out + (i * A + j) * B;
            if (K == 0) {
                for (Py_ssize_t b = 0; b < B; b++) acc[b] = 0.0;
                continue;
            }
            for (Py_ssize_t k = 0; k < K; k++) {
                const double *restrict vi = v + (k * A + i) * B;
                const double *restrict vj = v + (k * A + j) * B;
                const double *restrict wk = w + k * B;
                for (Py_ssize_t b = 0; b < B; b++) {
                    double d = vj[b] - vi[b];
                    double m = (d > 0.0 || d != d) ? d : 0.0;
                    double t = wk[b] * m;
                    acc[b] = k == 0 ? t : acc[b] + t;
                }
            }
        }
    }
}

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) return -1;
    if (view->itemsize != sizeof(double) || view->format == NULL || strcmp(view->format, "d") != 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous float64 array", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *py_vote_sum(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *v_obj, *w_obj, *out_obj;
    Py_buffer v, w, out;
    if (!PyArg_ParseTuple(args, "OOO", &v_obj, &w_obj, &out_obj)) return NULL;
    if (get_buffer(v_obj, &v, 0, "v") != 0) return NULL;
    if (get_buffer(w_obj, &w, 0, "w") != 0) {
        PyBuffer_Release(&v);
        return NULL;
    }
    if (get_buffer(out_obj, &out, 1, "out") != 0) {
        PyBuffer_Release(&v);
        PyBuffer_Release(&w);
        return NULL;
    }
    PyObject *result = NULL;
    if (v.ndim != 3 || w.ndim != 2 || out.ndim != 3) {
        PyErr_SetString(PyExc_ValueError, "vote_sum expects v (K, A, B), w (K, B), out (A, A, B)");
    } else {
        Py_ssize_t K = v.shape[0], A = v.shape[1], B = v.shape[2];
        if (w.shape[0] != K || w.shape[1] != B || out.shape[0] != A || out.shape[1] != A || out.shape[2] != B) {
            PyErr_SetString(PyExc_ValueError, "vote_sum: shapes of v (K, A, B), w (K, B), out (A, A, B) disagree");
        } else {
            Py_BEGIN_ALLOW_THREADS vote_sum((const double *)v.buf, (const double *)w.buf, (double *)out.buf, K, A, B);
            Py_END_ALLOW_THREADS Py_INCREF(Py_None);
            result = Py_None;
        }
    }
    PyBuffer_Release(&v);
    PyBuffer_Release(&w);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"vote_sum", py_vote_sum, METH_VARARGS,
     "vote_sum(v, w, out): out[i, j, b] = sum_k w[k, b] * max(0, v[k, j, b] - v[k, i, b]) (float64, C order)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels", "Compiled inner loops (optional).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
