// Consensus labels of categorical ratings without gold: majority vote (ties broken by a seeded
// rule) and the Dawid–Skene EM model (Dawid and Skene 1979), which estimates every annotator's
// confusion matrix and every item's posterior class. Pure functions over the rating model;
// docs/report.md defines both and works the first EM iterations of an example by hand.
#pragma once

#include "labelqa/model/ratings.hpp"

#include <cstdint>
#include <vector>

namespace labelqa::metrics {

struct Consensus {
  int classes = 0;
  // Per item: the consensus category (-1 when the item has no rating) and its confidence (the
  // share of votes for majority vote, the posterior probability for Dawid–Skene).
  std::vector<std::int32_t> labels;
  std::vector<double> confidence;
  // items x classes posterior probabilities, row-major (majority vote: the vote shares).
  std::vector<double> posterior;
  // Per item: 1 when its most voted classes (majority vote) or most probable classes (Dawid-Skene)
  // tie; such an item has no consensus label (-1).
  std::vector<std::uint8_t> tied;
};

// Majority vote. An item whose most voted classes tie has no consensus (tied). With `break_ties`,
// a hash of (seed, item name) picks one of them instead: the same item always gets the same class
// for a given seed, whatever the order of the input.
Consensus majority_vote(const RatingSet& set, std::uint64_t seed, bool break_ties = true);

struct DawidSkeneOptions {
  int max_iterations = 500;
  // Stops when the log-likelihood per rating changes by less than this between iterations.
  double tolerance = 1e-9;
  // Keep the parameters of the first `trace` iterations (for the worked example and tests).
  int trace = 0;
  // Classes equally probable (to rounding) for an item: a tie without label, or with break_ties
  // the first of them by name.
  bool break_ties = false;
};

struct DawidSkeneStep {
  std::vector<double> priors;      // classes
  std::vector<double> confusion;   // annotators x classes x classes, rows: true class
  std::vector<double> posterior;   // items x classes, after this iteration's E-step
  double log_likelihood = 0;
};

struct DawidSkene : Consensus {
  std::vector<double> priors;                   // estimated class prevalence
  std::vector<double> confusion;                // annotators x classes x classes, row-normalised
  int iterations = 0;
  bool converged = false;
  double log_likelihood = 0;                    // of the observed ratings at the estimates
  std::vector<DawidSkeneStep> trace;

  double error_rate(int annotator, int true_class, int given) const {
    return confusion[(static_cast<std::size_t>(annotator) * classes + true_class) * classes + given];
  }
};

// EM from majority-vote shares (as crowd-kit): the M-step estimates priors and each annotator's
// rows P(given | true) from the posteriors; the E-step recomputes the posteriors. Probabilities of
// zero are floored at 1e-12 inside logarithms. Deterministic; the E-step runs in parallel.
DawidSkene dawid_skene(const RatingSet& set, const DawidSkeneOptions& options);

}  // namespace labelqa::metrics
