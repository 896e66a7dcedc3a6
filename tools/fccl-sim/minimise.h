// A derivative-free minimiser (Nelder and Mead's simplex) for calibration: the objective is a
// batch of simulations, with no gradient, a little noisy where a chunk count changes, and in a
// handful of dimensions, which is what the simplex method is for.
#pragma once

#include <functional>
#include <vector>

namespace fccl::sim {

struct Minimum {
  std::vector<double> at;
  double value = 0;
  int evaluations = 0;
};

// Starts from `start` with a simplex of `step` along each axis; stops after `maxEvaluations` or
// once the simplex's values differ by less than `tolerance`.
Minimum minimise(const std::function<double(const std::vector<double>&)>& f, const std::vector<double>& start,
                 double step, int maxEvaluations, double tolerance = 1e-6);

}  // namespace fccl::sim
