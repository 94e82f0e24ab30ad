// labelqa._labelqa: the Python package's native part. The commands run through the same flags as
// the command line (src/cli/embed.hpp), with the GIL released; errors become the package's
// InputError / UsageError (python/labelqa/errors.py).
#include "../../src/cli/embed.hpp"
#include "labelqa/commands/versions.hpp"
#include "labelqa/error.hpp"

#include <exception>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace labelqa::python {
void bind_mask(py::module_& m);
void bind_metrics(py::module_& m);
}

namespace {

const char* defect_name(labelqa::Defect d) {
  switch (d) {
    case labelqa::Defect::broken_file: return "broken_file";
    case labelqa::Defect::schema: return "schema";
    case labelqa::Defect::missing_reference: return "missing_reference";
    case labelqa::Defect::out_of_image: return "out_of_image";
    case labelqa::Defect::degenerate: return "degenerate";
    case labelqa::Defect::unknown_class: return "unknown_class";
    case labelqa::Defect::duplicate_key: return "duplicate_key";
  }
  return "schema";
}

// Raises the package's exception class `name`, built by its constructor from keyword arguments.
[[noreturn]] void raise(const char* name, py::dict fields) {
  py::object cls = py::module_::import("labelqa.errors").attr(name);
  py::object exc = cls(**fields);
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

// (exit code, {name: bytes}, [message]) of one command line.
py::tuple invoke(const std::vector<std::string>& args, const std::vector<std::string>& captured) {
  labelqa::cli::Invocation result;
  std::exception_ptr failure;
  {
    py::gil_scoped_release release;
    try {
      result = labelqa::cli::invoke(args, captured);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const labelqa::InputError& e) {
      const auto& w = e.where();
      py::dict f;
      f["message"] = std::string(e.what());
      f["reason"] = e.message();
      f["file"] = w.file.empty() ? py::object(py::none()) : py::object(py::str(w.file));
      f["line"] = w.line > 0 ? py::object(py::int_(w.line)) : py::object(py::none());
      f["item"] = w.item.empty() ? py::object(py::none()) : py::object(py::str(w.item));
      f["field"] = w.field.empty() ? py::object(py::none()) : py::object(py::str(w.field));
      f["defect"] = defect_name(e.defect());
      f["setting"] = e.setting().empty() ? py::object(py::none()) : py::object(py::str(e.setting()));
      raise("InputError", f);
    } catch (const labelqa::UsageError& e) {
      py::dict f;
      f["message"] = std::string(e.what());
      f["setting"] = e.setting().empty() ? py::object(py::none()) : py::object(py::str(e.setting()));
      raise("UsageError", f);
    } catch (const std::bad_alloc&) {
      throw;  // pybind11 turns it into MemoryError
    }
  }
  py::dict outputs;
  for (const auto& [name, text] : result.outputs) outputs[py::str(name)] = py::bytes(text);
  return py::make_tuple(result.exit_code, outputs, result.messages);
}

}  // namespace

PYBIND11_MODULE(_labelqa, m) {
  m.doc() = "labelqa's native core (use the labelqa package)";
  m.def("invoke", &invoke, py::arg("args"), py::arg("captured"),
        "Runs one labelqa command line (subcommand first) with the outputs named in `captured` kept in memory.");
  m.def(
      "flag_shapes",
      [](const std::string& command) {
        py::dict out;
        for (const auto& [name, shape] : labelqa::cli::flag_shapes(command)) out[py::str(name)] = py::make_tuple(shape.takes_value, shape.repeatable);
        return out;
      },
      "{flag name: (takes a value, repeatable)} of a subcommand's long flags");
  m.def("version_text", [] { return labelqa::commands::version_text(); });
  m.attr("__version__") = LABELQA_VERSION;
  labelqa::python::bind_mask(m);
  labelqa::python::bind_metrics(m);
}
