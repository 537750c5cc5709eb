// How a model declares its parameters: once, with name, description and source.
//
// Following gem5's Param declarations, every parameter struct has one member template
//
//     template <class Visitor> void visit_params(Visitor& v) {
//       v({"rpm", "Spindle speed in revolutions per minute", "WD Ultrastar HC310 manual"}, rpm);
//       ...
//     }
//
// and its default is the member's initializer. The models never parse or print parameters; the
// simulator walks these declarations to apply scenario overrides, to explain a platform and to
// write the model reference, so a parameter exists in exactly one place.
//
// Field types and the unit each stands for:
//   sc_core::sc_time  time               "7.4ms"
//   ByteSize          size               "64KiB"
//   Bandwidth         data rate          "25.6GB/s"
//   Frequency         clock frequency    "33MHz"
//   std::uint64_t     plain count        "128"
//   bool              switch             true / false
//   double            fraction           "5%" or 0.05
//   std::string       one of a set of names, given as a third argument: v(doc, kind, {"hdd",
//   "ssd"})
#pragma once

#include <initializer_list>
#include <string>

namespace iosim {

struct ParamDoc {
  const char* name;         // key in the scenario file, snake_case
  const char* description;  // one sentence: what it is and what it changes
  const char* source;       // where the default comes from (datasheet, kernel file, "textbook")
};

/// The names a std::string parameter may take.
using Choices = std::initializer_list<const char*>;

}  // namespace iosim
