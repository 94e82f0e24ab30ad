// Generates a long-format rating table for benchmarks: ITEMS items, ANNOTATORS annotators,
// CLASSES classes, a share MISSING of ratings absent. Each item has a latent class drawn from a
// skewed distribution (real label sets are skewed); annotator a gets it right with probability
// 0.70 + 0.05 * (a % 5) and otherwise picks another class uniformly. With RANDOM (a share), each
// rating is instead a class drawn uniformly with probability RANDOM, else the latent class: a
// low-agreement batch. Seeded: same arguments, same bytes.
//
// Usage: labelqa_bench_gen ITEMS ANNOTATORS CLASSES MISSING SEED [RANDOM [FIRST]] > ratings.csv
// FIRST numbers the items from FIRST (shards of one delivery); RANDOM below 0 means none.
// The benchmark's default, 1,000,000 x 5 x 10 with 10% missing, is 4.5M ratings (~110 MB): the
// size of a large crowd-sourced classification batch.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
std::uint64_t g_state;
std::uint64_t next() {  // splitmix64
  std::uint64_t z = (g_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 8) {
    std::fprintf(stderr, "usage: %s ITEMS ANNOTATORS CLASSES MISSING SEED [RANDOM [FIRST]]\n", argv[0]);
    return 2;
  }
  const long items = std::atol(argv[1]);
  const int annotators = std::atoi(argv[2]);
  const int classes = std::atoi(argv[3]);
  const double missing = std::atof(argv[4]);
  g_state = std::strtoull(argv[5], nullptr, 10);
  const double random_share = argc >= 7 ? std::atof(argv[6]) : -1;
  const long first = argc == 8 ? std::atol(argv[7]) : 0;
  std::vector<double> cumulative(classes);
  double total = 0;
  for (int k = 0; k < classes; ++k) total += 1.0 / (k + 1);
  double acc = 0;
  for (int k = 0; k < classes; ++k) cumulative[k] = (acc += 1.0 / (k + 1) / total);
  std::string out = "item,annotator,label\n";
  char line[96];
  for (long i = 0; i < items; ++i) {
    const double u = uniform();
    int truth = 0;
    while (truth < classes - 1 && u > cumulative[truth]) ++truth;
    for (int a = 0; a < annotators; ++a) {
      if (uniform() < missing) continue;
      int label = truth;
      if (random_share >= 0) {
        if (uniform() < random_share) label = static_cast<int>(next() % static_cast<std::uint64_t>(classes));
      } else if (uniform() >= 0.70 + 0.05 * (a % 5)) {
        label = static_cast<int>(next() % static_cast<std::uint64_t>(classes - 1));
        if (label >= truth) ++label;
      }
      int n = std::snprintf(line, sizeof line, "item%07ld,annotator%d,class%d\n", first + i, a, label);
      out.append(line, static_cast<std::size_t>(n));
    }
    if (out.size() > (1 << 22)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
