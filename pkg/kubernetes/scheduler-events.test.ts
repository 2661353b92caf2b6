import { ConfigValidationError } from '../config';
import { configRefusedEvent, leadershipEvent } from './scheduler-events';

describe('scheduler events', () => {
  it.each([
    ['a new term', { isLeader: true, fencingToken: 42 }, { type: 'Normal', reason: 'LeaderElected', message: 'pod-a became leader (fencing token 42)' }],
    ['a shut-down', { isLeader: false, fencingToken: 42, reason: 'shutdown' }, { type: 'Normal', reason: 'LeadershipLost', message: 'pod-a stopped leading: shutdown (fencing token 42)' }],
    ['a lapsed lease', { isLeader: false, fencingToken: 42, reason: 'renewDeadline' }, { type: 'Warning', reason: 'LeadershipLost', message: 'pod-a stopped leading: renewDeadline (fencing token 42)' }],
  ])('words %s', (_situation, change, expected) => {
    expect(leadershipEvent('pod-a', change)).toEqual(expected);
  });

  it('lists every problem of a refused configuration', () => {
    const error = new ConfigValidationError('/etc/lablet-scheduler/config.yaml', [
      { path: 'placement.weights', message: 'weights must sum to more than 0' },
      { path: 'reconcile', message: 'unknown key(s): reconcile.workerz' },
    ]);
    expect(configRefusedEvent(error)).toEqual({
      type: 'Warning',
      reason: 'ConfigRefused',
      message: '/etc/lablet-scheduler/config.yaml refused; keeping the last good configuration: placement.weights: weights must sum to more than 0; reconcile: unknown key(s): reconcile.workerz',
    });
  });
});
