#include "labelqa/metrics/distributions.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace labelqa::metrics {

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal_distribution<double>(), p); }

double student_t_quantile(double p, double df) {
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

double critical_value(double confidence, double df) {
  double p = 1.0 - (1.0 - confidence) / 2.0;
  return df > 0 ? student_t_quantile(p, df) : normal_quantile(p);
}

}  // namespace labelqa::metrics
