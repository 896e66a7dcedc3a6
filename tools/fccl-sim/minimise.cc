#include "tools/fccl-sim/minimise.h"

#include <algorithm>
#include <numeric>

namespace fccl::sim {
namespace {

struct Vertex {
  std::vector<double> x;
  double value;
};

std::vector<double> along(const std::vector<double>& from, const std::vector<double>& to, double t) {
  std::vector<double> out(from.size());
  for (size_t i = 0; i < from.size(); ++i) out[i] = from[i] + t * (to[i] - from[i]);
  return out;
}

}  // namespace

Minimum minimise(const std::function<double(const std::vector<double>&)>& f, const std::vector<double>& start,
                 double step, int maxEvaluations, double tolerance) {
  int evaluations = 0;
  auto eval = [&](const std::vector<double>& x) {
    ++evaluations;
    return Vertex{x, f(x)};
  };
  std::vector<Vertex> simplex{eval(start)};
  for (size_t i = 0; i < start.size(); ++i) {
    std::vector<double> x = start;
    x[i] += step;
    simplex.push_back(eval(x));
  }
  const auto byValue = [](const Vertex& a, const Vertex& b) { return a.value < b.value; };
  while (evaluations < maxEvaluations) {
    std::sort(simplex.begin(), simplex.end(), byValue);
    if (simplex.back().value - simplex.front().value < tolerance) break;
    // Centroid of every vertex but the worst; reflect the worst through it, then expand,
    // contract or shrink towards the best as the values say.
    std::vector<double> centroid(start.size(), 0);
    for (size_t v = 0; v + 1 < simplex.size(); ++v)
      for (size_t i = 0; i < centroid.size(); ++i) centroid[i] += simplex[v].x[i] / static_cast<double>(simplex.size() - 1);
    Vertex& worst = simplex.back();
    const Vertex reflected = eval(along(worst.x, centroid, 2.0));
    if (reflected.value < simplex.front().value) {
      const Vertex expanded = eval(along(worst.x, centroid, 3.0));
      worst = expanded.value < reflected.value ? expanded : reflected;
    } else if (reflected.value < simplex[simplex.size() - 2].value) {
      worst = reflected;
    } else {
      const Vertex contracted = eval(along(worst.x, centroid, reflected.value < worst.value ? 1.5 : 0.5));
      if (contracted.value < std::min(worst.value, reflected.value)) {
        worst = contracted;
      } else {
        for (size_t v = 1; v < simplex.size(); ++v) simplex[v] = eval(along(simplex.front().x, simplex[v].x, 0.5));
      }
    }
  }
  std::sort(simplex.begin(), simplex.end(), byValue);
  return Minimum{simplex.front().x, simplex.front().value, evaluations};
}

}  // namespace fccl::sim
