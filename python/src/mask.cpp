// labelqa.mask's native part: pycocotools' mask API over the core's run-length code (geometry/rle),
// which equals pycocotools' maskApi bit for bit. python/labelqa/mask.py gives it pycocotools'
// signatures; these functions take lists of RLE dicts and arrays already shaped.
#include "labelqa/geometry/rle.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;
namespace geo = labelqa::geometry;

namespace labelqa::python {
namespace {

// An RLE dict as pycocotools writes it: {"size": [h, w], "counts": compressed str or bytes}. Read
// through the C API without copying the counts: for small masks this is most of the time.
geo::Rle rle_of(py::handle obj) {
  PyObject* d = obj.ptr();
  if (!PyDict_Check(d)) throw py::type_error("an RLE must be a dict with 'size' and 'counts'");
  PyObject* size = PyDict_GetItemString(d, "size");
  PyObject* counts = PyDict_GetItemString(d, "counts");
  if (!size || !counts) throw py::type_error("an RLE must be a dict with 'size' and 'counts'");
  if (!PySequence_Check(size) || PySequence_Size(size) != 2) throw py::value_error("an RLE's 'size' must be [height, width]");
  auto dimension = [&](Py_ssize_t k) {
    const py::object v = py::reinterpret_steal<py::object>(PySequence_GetItem(size, k));
    const unsigned long long x = PyLong_Check(v.ptr()) ? PyLong_AsUnsignedLongLong(v.ptr()) : v.cast<unsigned long long>();
    if (PyErr_Occurred() || x > 0xFFFFFFFFull) {
      PyErr_Clear();
      throw py::value_error("an RLE's 'size' must be two non-negative integers below 2^32");
    }
    return static_cast<std::uint32_t>(x);
  };
  const std::uint32_t h = dimension(0), w = dimension(1);
  std::string_view text;
  if (PyBytes_Check(counts)) {
    char* data = nullptr;
    Py_ssize_t n = 0;
    PyBytes_AsStringAndSize(counts, &data, &n);
    text = {data, static_cast<std::size_t>(n)};
  } else if (PyUnicode_Check(counts)) {
    Py_ssize_t n = 0;
    const char* data = PyUnicode_AsUTF8AndSize(counts, &n);
    if (!data) throw py::error_already_set();
    text = {data, static_cast<std::size_t>(n)};
  } else {
    throw py::type_error("an RLE's 'counts' must be the compressed string (str or bytes); use frPyObjects for uncompressed counts");
  }
  auto rle = geo::from_string(text, h, w);
  if (!rle) throw py::value_error("an RLE's compressed counts are malformed or do not add up to its height x width");
  return std::move(*rle);
}

std::vector<geo::Rle> rles_of(const py::list& objs) {
  std::vector<geo::Rle> out;
  out.reserve(objs.size());
  for (py::handle o : objs) out.push_back(rle_of(o));
  return out;
}

py::dict dict_of(const geo::Rle& r) {
  py::dict d;
  py::list size;
  size.append(r.h);
  size.append(r.w);
  d["size"] = size;
  d["counts"] = py::bytes(geo::to_string(r));
  return d;
}

py::list dicts_of(const std::vector<geo::Rle>& rles) {
  py::list out;
  for (const auto& r : rles) out.append(dict_of(r));
  return out;
}

// encode(bimask): a Fortran-ordered uint8 array of h x w x n.
py::list encode(const py::array& mask) {
  if (mask.ndim() != 3) throw py::value_error("encode needs an h x w x n array");
  if (!mask.dtype().is(py::dtype::of<std::uint8_t>())) throw py::value_error("Buffer dtype mismatch, expected 'uint8_t'");
  if (!(mask.flags() & py::array::f_style)) throw py::value_error("ndarray is not Fortran contiguous");
  const auto h = static_cast<std::uint32_t>(mask.shape(0)), w = static_cast<std::uint32_t>(mask.shape(1));
  const auto n = static_cast<std::size_t>(mask.shape(2));
  const auto* data = static_cast<const std::uint8_t*>(mask.data());
  std::vector<geo::Rle> rles(n);
  {
    py::gil_scoped_release release;
    // pycocotools' rleEncode: a run ends wherever the value changes (so a mask holding values
    // other than 0 and 1 gives the runs pycocotools gives, not a thresholded mask's).
    const std::size_t plane = static_cast<std::size_t>(h) * w;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t* t = data + i * plane;
      auto& r = rles[i];
      r.h = h;
      r.w = w;
      std::uint8_t p = 0;
      std::uint32_t c = 0;
      for (std::size_t j = 0; j < plane; ++j) {
        if (t[j] != p) {
          r.counts.push_back(c);
          c = 0;
          p = t[j];
        }
        ++c;
      }
      r.counts.push_back(c);
    }
  }
  return dicts_of(rles);
}

// decode(list of RLEs): h x w x n, Fortran order, uint8 (all of one size, as pycocotools needs).
py::array decode(const py::list& objs) {
  const auto rles = rles_of(objs);
  const std::uint32_t h = rles.empty() ? 0 : rles[0].h, w = rles.empty() ? 0 : rles[0].w;
  for (const auto& r : rles) {
    if (r.h != h || r.w != w) throw py::value_error("decode needs RLEs of one size");
  }
  py::array_t<std::uint8_t, py::array::f_style> out({static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w), static_cast<py::ssize_t>(rles.size())});
  auto* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    const std::size_t plane = static_cast<std::size_t>(h) * w;
    for (std::size_t i = 0; i < rles.size(); ++i) {
      std::uint8_t* p = dst + i * plane;
      std::size_t at = 0;
      bool on = false;
      for (const auto c : rles[i].counts) {
        std::fill(p + at, p + at + c, static_cast<std::uint8_t>(on));
        at += c;
        on = !on;
      }
    }
  }
  return out;
}

py::array_t<std::uint32_t> area(const py::list& objs) {
  const auto rles = rles_of(objs);
  py::array_t<std::uint32_t> out(static_cast<py::ssize_t>(rles.size()));
  auto* p = out.mutable_data();
  for (std::size_t i = 0; i < rles.size(); ++i) p[i] = static_cast<std::uint32_t>(geo::area(rles[i]));
  return out;
}

py::array_t<double> to_bbox(const py::list& objs) {
  const auto rles = rles_of(objs);
  py::array_t<double> out({static_cast<py::ssize_t>(rles.size()), py::ssize_t{4}});
  auto* p = out.mutable_data();
  for (std::size_t i = 0; i < rles.size(); ++i) {
    const auto b = geo::bbox(rles[i]);
    for (int k = 0; k < 4; ++k) p[4 * i + static_cast<std::size_t>(k)] = b[static_cast<std::size_t>(k)];
  }
  return out;
}

// merge: pycocotools gives an empty 0 x 0 RLE when the sizes differ.
py::dict merge(const py::list& objs, bool intersect) {
  const auto rles = rles_of(objs);
  std::vector<const geo::Rle*> ptrs;
  for (const auto& r : rles) ptrs.push_back(&r);
  if (ptrs.empty()) return dict_of(geo::Rle{0, 0, {}});
  auto m = geo::merge(ptrs, intersect);
  return dict_of(m ? *m : geo::Rle{0, 0, {}});
}

std::vector<std::uint8_t> crowd_flags(const py::sequence& iscrowd, std::size_t n) {
  if (py::len(iscrowd) != n) throw py::value_error("iscrowd must have the same length as gt");
  std::vector<std::uint8_t> out;
  for (py::handle c : iscrowd) out.push_back(py::bool_(py::reinterpret_borrow<py::object>(c)) ? 1 : 0);
  return out;
}

// iou of RLE lists: m x n; pycocotools' rleIou (boxes first; -1 for overlapping boxes of masks of
// different sizes).
py::array_t<double> iou_rles(const py::list& dt, const py::list& gt, const py::sequence& iscrowd) {
  const auto d = rles_of(dt), g = rles_of(gt);
  const auto crowd = crowd_flags(iscrowd, g.size());
  py::array_t<double, py::array::f_style> out({static_cast<py::ssize_t>(d.size()), static_cast<py::ssize_t>(g.size())});
  auto* o = out.mutable_data();
  {
    py::gil_scoped_release release;
    std::vector<geo::Box> db, gb;
    for (const auto& r : d) db.push_back(geo::bbox(r));
    for (const auto& r : g) gb.push_back(geo::bbox(r));
    std::vector<geo::IndexedRle> di, gi;
    for (const auto& r : d) di.push_back(geo::index_runs(r));
    for (const auto& r : g) gi.push_back(geo::index_runs(r));
    for (std::size_t j = 0; j < g.size(); ++j) {
      for (std::size_t i = 0; i < d.size(); ++i) {
        double v = geo::box_iou(db[i], gb[j], crowd[j] != 0);
        if (v > 0) {
          const auto x = geo::iou(di[i], gi[j], crowd[j] != 0);
          v = x ? *x : -1;
        }
        o[j * d.size() + i] = v;
      }
    }
  }
  return out;
}

geo::Box box_at(const double* p) { return {p[0], p[1], p[2], p[3]}; }

py::array_t<double> iou_boxes(const py::array_t<double, py::array::c_style | py::array::forcecast>& dt,
                              const py::array_t<double, py::array::c_style | py::array::forcecast>& gt, const py::sequence& iscrowd) {
  const auto m = static_cast<std::size_t>(dt.shape(0)), n = static_cast<std::size_t>(gt.shape(0));
  const auto crowd = crowd_flags(iscrowd, n);
  py::array_t<double, py::array::f_style> out({static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(n)});
  auto* o = out.mutable_data();
  const double* a = dt.data();
  const double* b = gt.data();
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i < m; ++i) o[j * m + i] = geo::box_iou(box_at(a + 4 * i), box_at(b + 4 * j), crowd[j] != 0);
  }
  return out;
}

py::list from_boxes(const py::array_t<double, py::array::c_style | py::array::forcecast>& boxes, std::uint32_t h, std::uint32_t w) {
  const auto n = static_cast<std::size_t>(boxes.shape(0));
  std::vector<geo::Rle> rles(n);
  const double* p = boxes.data();
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < n; ++i) rles[i] = geo::rasterize_box(box_at(p + 4 * i), h, w);
  }
  return dicts_of(rles);
}

py::list from_polygons(const py::list& polygons, std::uint32_t h, std::uint32_t w) {
  std::vector<std::vector<double>> xy;
  for (py::handle p : polygons) xy.push_back(py::cast<std::vector<double>>(p));
  std::vector<geo::Rle> rles(xy.size());
  {
    py::gil_scoped_release release;
    for (std::size_t i = 0; i < xy.size(); ++i) rles[i] = geo::rasterize_polygon(xy[i].data(), xy[i].size() / 2, h, w);
  }
  return dicts_of(rles);
}

// Uncompressed RLEs ({"size": [h, w], "counts": [c0, c1, ...]}) compressed, with their own size.
py::list from_uncompressed(const py::list& objs) {
  py::list out;
  for (py::handle o : objs) {
    auto d = py::reinterpret_borrow<py::dict>(o);
    auto size = py::reinterpret_borrow<py::sequence>(d["size"]);
    geo::Rle r{size[0].cast<std::uint32_t>(), size[1].cast<std::uint32_t>(), py::cast<std::vector<std::uint32_t>>(d["counts"])};
    out.append(dict_of(r));
  }
  return out;
}

}  // namespace

void bind_mask(py::module_& m) {
  auto mask = m.def_submodule("mask", "pycocotools.mask's operations (see labelqa.mask)");
  mask.def("encode", &encode);
  mask.def("decode", &decode);
  mask.def("area", &area);
  mask.def("to_bbox", &to_bbox);
  mask.def("merge", &merge);
  mask.def("iou_rles", &iou_rles);
  mask.def("iou_boxes", &iou_boxes);
  mask.def("from_boxes", &from_boxes);
  mask.def("from_polygons", &from_polygons);
  mask.def("from_uncompressed", &from_uncompressed);
}

}  // namespace labelqa::python
