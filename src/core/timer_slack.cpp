#include "core/timer_slack.h"

#include <sys/prctl.h>

namespace illusion::core {

TimerSlackGuard::TimerSlackGuard() {
  // PR_GET_TIMERSLACK returns the current slack as the call's value (prctl(2)).
  old_ = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  applied_ = old_ >= 0 && prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == 0;
}

TimerSlackGuard::~TimerSlackGuard() {
  if (applied_) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_), 0, 0, 0);
}

}  // namespace illusion::core
