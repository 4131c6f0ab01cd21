#!/usr/bin/env bash
# Pushes the pin and cutover commits of this run to main. Main moves while a
# run waits out its guard window (a merge lands), and a plain `git push` then
# fails as non-fast-forward after the cutover is already applied: the stack
# file on main would go on naming the old live color, and the next run would
# pin into the color that is really live. So: rebase onto what landed and push
# again, a few times; if that still fails (a conflict in a stack file, or main
# keeps moving), stop loudly with what the cloud runs now, never silently.
# Prints the pushed commit's sha as `sha=<sha>` to $GITHUB_OUTPUT when set.
set -euo pipefail
branch="${PUSH_BRANCH:-main}"
attempts="${PUSH_ATTEMPTS:-5}"

if [ "$(git rev-list --count "origin/$branch..HEAD" 2>/dev/null || echo 1)" = 0 ]; then
  echo "nothing to push: $branch already has $(git rev-parse --short HEAD)"
else
  for attempt in $(seq 1 "$attempts"); do
    if git push origin "HEAD:$branch"; then
      pushed=1
      break
    fi
    echo "::warning::push to $branch refused (attempt $attempt of $attempts): $branch moved; rebasing this run's commits onto it"
    if ! git pull --rebase origin "$branch"; then
      git rebase --abort || true
      echo "::error::this run's commits conflict with what landed on $branch, so they were not pushed. The cloud runs what this run applied:"
      git log --format='  %h %s' "origin/$branch..HEAD" || true
      git diff "origin/$branch" HEAD -- 'Pulumi.*.yaml' || true
      echo "::error::resolve it by hand: rebase these commits onto $branch and push them, before the next run reads the stack files"
      exit 1
    fi
    # Right after a rebase the push is tried at once; a main that keeps moving gets a growing pause.
    sleep "$(((attempt - 1) * ${PUSH_BACKOFF_SECONDS:-3}))"
  done
  if [ "${pushed:-0}" != 1 ]; then
    echo "::error::could not push to $branch after $attempts attempts; the cloud runs what this run applied and $branch does not say so:"
    git log --format='  %h %s' "origin/$branch..HEAD" || true
    exit 1
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "sha=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"; fi
