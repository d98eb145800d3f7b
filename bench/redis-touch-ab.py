#!/usr/bin/env python3
"""Redis CPU of one validation (the touch script), two versions of the Lua scripts A/B on one private Redis.

Starts redis-server on a loopback port (nothing persisted), stores one session with each version's own admit script
(the values of bench/redis-memory.sh: a Ward user id, an IPv4 address, username clinician + 6 digits, role provider),
then runs each version's touch script with `redis-benchmark -c 1 EVALSHA`, alternating the two ROUNDS times, and
prints the µs per call INFO commandstats reports (min and median: the machine's load moves single runs a lot), then
the same scripts' body 3,000 times in one EVAL (no per-call set-up). Only redis-server and redis-benchmark needed.

Usage: bench/redis-touch-ab.py [BEFORE_REF (main)] [AFTER_REF (the working tree)]
Environment: PORT (16398), ROUNDS (20), N (5000 calls a round)
"""
import base64, hashlib, os, re, statistics, subprocess, sys, tempfile, time

LUA = 'ward-store-redis/src/main/resources/dev/ward/store/redis/lua/'
PORT = os.environ.get('PORT', '16398')
ROUNDS = int(os.environ.get('ROUNDS', '20'))
N = os.environ.get('N', '5000')


def source(ref, name):
    if ref is None:
        with open(LUA + name + '.lua') as f:
            return f.read()
    return subprocess.run(['git', 'show', f'{ref}:{LUA}{name}.lua'], check=True, capture_output=True, text=True).stdout


def glue(common):
    """What joins common.lua to a script's body: since decision 0046 the body starts with begin(ARGV)."""
    return '\nbegin(ARGV)\n' if 'local function begin(' in common else '\n'


def cli(*args):
    return subprocess.run(['redis-cli', '-p', PORT, *args], capture_output=True).stdout.decode(errors='replace').strip()


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    refs = {'before': sys.argv[1] if len(sys.argv) > 1 else 'main', 'after': sys.argv[2] if len(sys.argv) > 2 else None}
    work = tempfile.mkdtemp()
    server = subprocess.Popen(['redis-server', '--port', PORT, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
                               '--dir', work], stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 5
        while cli('PING') != 'PONG':
            if time.time() > deadline:
                raise SystemExit('redis-server did not start')
            time.sleep(0.05)
        now = int(time.time() * 1000)
        setup = {}
        for version, ref in refs.items():
            common = source(ref, 'common')
            rid = os.urandom(12).hex()
            sid, key = 'ses_0001' + rid, 'ward:r{X}' + base64.urlsafe_b64encode(bytes.fromhex(rid)).decode()
            token_hash = hashlib.sha256(os.urandom(32)).hexdigest()
            fields = ['h', token_hash, 't', 'stmarys', 'u', 'usr_' + os.urandom(12).hex(), 'n', 'clinician123456',
                      'a', '1', 'c', str(now), 's', str(now), 'i', str(now + 1800000), 'x', str(now + 43200000),
                      'm', '1800000', 'k', '0', 'p', '203.0.113.77', 'o', str(now), 'q', '0', 'd', '0',
                      'r', 'provider', 'g', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)']
            cli('EVAL', common + glue(common) + source(ref, 'admit'), '2', 'ward:i{X}stmarys', key, 'ward:', '{X}', '900000',
                str(now), '3', 'evict', '0001', sid, *fields)
            touch = source(ref, 'touch')
            args = [key, 'ward:', '{X}', '900000', str(now + 1000), 'stmarys', sid, token_hash]
            sha = cli('SCRIPT', 'LOAD', common + glue(common) + touch)
            if not cli('EVALSHA', sha, '1', *args).startswith('touched'):
                raise SystemExit(version + ': the session was not touched')
            loop = (common + '\nlocal function body()' + glue(common) + touch + '\nend\nlocal t0 = redis.call("TIME")\n'
                    'for j = 1, 3000 do body() end\nlocal t1 = redis.call("TIME")\n'
                    'return (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])')
            setup[version] = (sha, args, loop)
        calls = {v: [] for v in refs}
        for n in range(ROUNDS):
            for version in (list(refs) if n % 2 == 0 else list(reversed(list(refs)))):
                sha, args, _ = setup[version]
                cli('CONFIG', 'RESETSTAT')
                subprocess.run(['redis-benchmark', '-p', PORT, '-c', '1', '-n', N, '-q', 'EVALSHA', sha, '1', *args],
                               capture_output=True)
                m = re.search(r'cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)', cli('INFO', 'commandstats'))
                calls[version].append(float(m.group(1)))
        print(f'# load average: {os.getloadavg()[0]:.2f}; before = {refs["before"]}, after = {refs["after"] or "working tree"}')
        for version in refs:
            sha, args, loop = setup[version]
            body = [int(cli('EVAL', loop, '1', *args)) / 3000 for _ in range(3)]
            print(f'{version}: EVALSHA µs per call min {min(calls[version]):.1f} median '
                  f'{statistics.median(calls[version]):.1f} ({ROUNDS} rounds of {N}); script body in a loop '
                  + ', '.join(f'{b:.1f}' for b in body) + ' µs')
    finally:
        server.terminate()
        server.wait()


if __name__ == '__main__':
    main()
