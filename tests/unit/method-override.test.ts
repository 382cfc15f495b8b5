import { describe, expect, it } from 'vitest';
import { methodOverrideProblem } from '../../native-host/src/proxy/method-override';

describe('methodOverrideProblem', () => {
  it.each([
    '_method=DELETE',
    'a=1&_method=delete',
    '_METHOD=DELETE',
    '_Method=PUT',
    '%5Fmethod=DELETE',
    '%5fMETHOD=DELETE',
    '.method=DELETE',
    '+method=DELETE',
    '%20method=DELETE',
    '_method[]=DELETE',
    '_method%5B%5D=DELETE',
    'a=1;_method=DELETE',
    '_method',
    '_method%00junk=DELETE',
    '%5Fmethod%00%FF=DELETE',
  ])('refuses the query %s', (query) => {
    expect(methodOverrideProblem({}, query)).toMatch(/_method/);
  });

  it.each(['', 'method=flickr.photos.search', 'x_method=1', '_methods=1', 'methodology=a', 'q=_method', 'name=_method%3DDELETE'])(
    'lets the query %s through',
    (query) => {
      expect(methodOverrideProblem({}, query)).toBeNull();
    },
  );

  it.each(['x-http-method-override', 'x-http-method', 'x-method-override'])('refuses the %s header, whatever its value', (name) => {
    expect(methodOverrideProblem({ [name]: 'DELETE' }, '')).toContain(name);
    expect(methodOverrideProblem({ [name]: '' }, '')).toContain(name);
  });

  it('lets ordinary headers through', () => {
    expect(methodOverrideProblem({ 'content-type': 'application/json', 'x-http-version': '1' }, 'limit=5')).toBeNull();
  });
});
