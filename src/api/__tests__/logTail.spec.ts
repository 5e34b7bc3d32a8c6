import { displayLine, LogSearch, LogTail } from '../logTail';

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

describe('LogTail', () => {
  it('keeps the newest lines up to its capacity, oldest first', () => {
    const tail = new LogTail(3);
    tail.push(['a', 'b']);
    expect(tail.lines()).toEqual(['a', 'b']);
    tail.push(['c', 'd', 'e']);
    expect(tail.lines()).toEqual(['c', 'd', 'e']);
    expect(tail.size).toBe(3);
    expect(tail.dropped).toBe(2);
    expect(tail.firstSeq).toBe(2);
    expect(tail.endSeq).toBe(5);
    expect(tail.at(1)).toBeUndefined();
    expect(tail.at(4)).toBe('e');
    expect(tail.text()).toBe('c\nd\ne');
  });

  it('holds 100k lines of a 1M-line log in bounded memory', () => {
    const tail = new LogTail(100_000);
    for (let chunk = 0; chunk < 100; chunk++) {
      tail.push(lines(chunk * 10_000, (chunk + 1) * 10_000));
    }
    expect(tail.size).toBe(100_000);
    expect(tail.at(tail.firstSeq)).toBe('line 900000');
    expect(tail.at(tail.endSeq - 1)).toBe('line 999999');
  });

  it('gives the newest lines as text for diagnosis', () => {
    const tail = new LogTail(4);
    tail.push(['a', 'b', 'c', 'd', 'e']);
    expect(tail.tailText(2)).toBe('d\ne');
    expect(tail.tailText(10)).toBe('b\nc\nd\ne');
    expect(tail.tailText(0)).toBe('');
  });

  it('forgets its lines on clear but keeps counting', () => {
    const tail = new LogTail(5);
    tail.push(['a', 'b']);
    tail.clear();
    expect(tail.size).toBe(0);
    tail.push(['c']);
    expect(tail.lines()).toEqual(['c']);
  });
});

describe('LogSearch', () => {
  it('shows every kept line without a query', () => {
    const tail = new LogTail(10);
    tail.push(['a', 'b', 'c']);
    const search = new LogSearch(tail);
    expect(search.update()).toBe(3);
    expect(search.slice(1, 5)).toEqual([
      { seq: 1, text: 'b' },
      { seq: 2, text: 'c' }
    ]);
  });

  it('matches case-insensitively and updates with new lines only', () => {
    const tail = new LogTail(10);
    tail.push(['NCCL INFO NET/IB : Using', 'hello', 'nccl warn']);
    const search = new LogSearch(tail);
    search.query = 'nccl';
    expect(search.update()).toBe(2);
    tail.push(['more NCCL', 'nothing']);
    expect(search.update()).toBe(3);
    expect(search.slice(0, 10).map(line => line.text)).toEqual([
      'NCCL INFO NET/IB : Using',
      'nccl warn',
      'more NCCL'
    ]);
  });

  it('drops matches whose lines fell out of the tail', () => {
    const tail = new LogTail(4);
    const search = new LogSearch(tail);
    search.query = 'x';
    tail.push(['x1', 'a', 'x2', 'b']);
    expect(search.update()).toBe(2);
    tail.push(['c', 'x3']);
    expect(search.update()).toBe(2);
    expect(search.slice(0, 5).map(line => line.text)).toEqual(['x2', 'x3']);
    tail.push(['d', 'e', 'f', 'g']);
    expect(search.update()).toBe(0);
  });

  it('recomputes over the kept lines when the query changes', () => {
    const tail = new LogTail(100);
    tail.push(lines(0, 50));
    const search = new LogSearch(tail);
    search.query = 'line 4';
    search.update();
    expect(search.count).toBe(11); // line 4, line 40..49
    search.query = '';
    expect(search.update()).toBe(50);
    expect(search.active).toBe(false);
  });

  it('stays correct over many drops (compaction)', () => {
    const tail = new LogTail(1000);
    const search = new LogSearch(tail);
    search.query = '7';
    for (let chunk = 0; chunk < 50; chunk++) {
      tail.push(lines(chunk * 500, (chunk + 1) * 500));
      search.update();
    }
    const expected = tail.lines().filter(line => line.includes('7'));
    expect(search.slice(0, search.count).map(line => line.text)).toEqual(
      expected
    );
  });
});

describe('displayLine', () => {
  it('removes colour codes and keeps the last drawing of a progress bar', () => {
    expect(displayLine('\u001b[32mINFO\u001b[0m ready')).toBe('INFO ready');
    expect(
      displayLine(
        'Loading safetensors checkpoint shards:   0% Completed | 0/30\rLoading safetensors checkpoint shards:  47% Completed | 14/30\r'
      )
    ).toBe('Loading safetensors checkpoint shards:  47% Completed | 14/30');
  });
});
