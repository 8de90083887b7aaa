// SWIG interface of the CTC decoders. Built with -threads: the GIL is released while C++ runs, so Python threads
// (and the batch decoder's own thread pool) decode in parallel.
%module swig_decoders
%{
#include "scorer.h"
#include "word_timing.h"
#include "ctc_decoders.h"
%}

%include "std_string.i"
%include "std_pair.i"
%include "std_vector.i"
%include "exception.i"

%exception {
  try {
    $action
  } catch (const std::invalid_argument &e) {
    SWIG_exception(SWIG_ValueError, e.what());
  } catch (const std::exception &e) {
    SWIG_exception(SWIG_RuntimeError, e.what());
  } catch (...) {
    SWIG_exception(SWIG_RuntimeError, "unknown C++ exception in the CTC decoder");
  }
}

namespace std {
  %template(StringVector) vector<string>;
  %template(SizeVector) vector<size_t>;
  %template(ScoredText) pair<double, string>;
  %template(BeamResults) vector<pair<double, string>>;
  %template(BeamResultsVector) vector<vector<pair<double, string>>>;
}

%include "scorer.h"
// The word timing structs and their vectors are wrapped before the functions that return them.
%include "word_timing.h"
%template(WordTimings) std::vector<WordTiming>;
%template(DecodeResults) std::vector<DecodeResult>;
%include "ctc_decoders.h"
