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
  int max_iterations = 100;
  // Stops when the evidence lower bound per rating improves by less than this (crowd-kit's rule).
  double tolerance = 1e-5;
  // Keep the parameters of the first `trace` iterations (for the worked example and tests).
  int trace = 0;
  // Classes equally probable (to rounding) for an item: a tie without label, or with break_ties
  // the first of them by name.
  bool break_ties = false;
};

// One iteration: the parameters its E-step used (from the previous M-step; the first from
// majority-vote shares) and the posteriors it gave.
struct DawidSkeneStep {
  std::vector<double> priors;      // classes
  std::vector<double> confusion;   // annotators x classes x classes, rows: true class
  std::vector<double> posterior;   // items x classes, after this iteration's E-step
  double log_likelihood = 0;
};

struct DawidSkene : Consensus {
  std::vector<double> priors;                   // estimated class prevalence
  std::vector<double> confusion;                // annotators x classes x classes, row-normalised
  // Annotators x classes: the posterior weight behind each confusion row (how many of the
  // annotator's items are expected to be of that class); a row with little weight says little.
  std::vector<double> row_weight;
  int iterations = 0;
  bool converged = false;
  double log_likelihood = 0;                    // of the observed ratings under the last E-step's parameters
  double elbo = 0;                              // per rating, at the estimates (crowd-kit's loss)
  std::vector<DawidSkeneStep> trace;

  double error_rate(int annotator, int true_class, int given) const {
    return confusion[(static_cast<std::size_t>(annotator) * classes + true_class) * classes + given];
  }
};

// EM as crowd-kit's DawidSkene runs it: an M-step from majority-vote shares, then per iteration an
// E-step (posteriors) and an M-step (priors; each annotator's rows P(given | true), the weight of
// every label it gave clipped at 1e-10 before normalising), stopping when the evidence lower
// bound per rating improves by less than the tolerance. The priors and rows reported are the last
// M-step's, the posteriors the last E-step's. Deterministic; the steps run in parallel.
DawidSkene dawid_skene(const RatingSet& set, const DawidSkeneOptions& options);

}  // namespace labelqa::metrics
