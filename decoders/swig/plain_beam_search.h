// The plain CTC prefix beam search: DS2's algorithm written as decoders/reference.py writes it, without the
// optimised path's shortcuts (ctc_decoders.cpp), so that both can be run and compared on the same inputs.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "scorer.h"

// Same arguments, semantics and results as ctc_beam_search_decoder (ctc_decoders.h), with probs a pointer to
// num_frames rows of num_classes floats, already checked by the caller.
std::vector<std::pair<double, std::string>> plain_beam_search(const float *probs, size_t num_frames,
                                                              size_t num_classes,
                                                              const std::vector<std::string> &vocabulary,
                                                              size_t beam_size, double cutoff_prob,
                                                              size_t cutoff_top_n, const Scorer *scorer,
                                                              double blank_penalty);
