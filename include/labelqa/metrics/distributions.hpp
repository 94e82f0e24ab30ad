// Quantiles used by confidence intervals.
#pragma once

namespace labelqa::metrics {

double normal_quantile(double p);                  // standard normal, 0 < p < 1
double student_t_quantile(double p, double df);    // Student's t with df > 0 degrees of freedom

// Two-sided critical value for a confidence level (e.g. 0.95): the t quantile at (1+level)/2,
// or the normal one when df <= 0.
double critical_value(double confidence, double df);

}  // namespace labelqa::metrics
