import { HttpBackend, HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

/** Where the API is when `config.json` says nothing (the API's `npm start` default). */
export const DEFAULT_API_BASE_URL = 'http://localhost:3000';

interface ConfigFile {
  apiBaseUrl?: string;
}

/**
 * Runtime settings, read once at start-up from `config.json` next to
 * `index.html` (web/public/config.json): the same build runs against any
 * API by changing that file, without rebuilding.
 */
@Injectable({ providedIn: 'root' })
export class AppConfig {
  // HttpBackend: this request goes around the interceptors (there is no API base URL yet)
  private readonly http = new HttpClient(inject(HttpBackend));
  private baseUrl = DEFAULT_API_BASE_URL;

  /** The API's origin (and path prefix, if any), without a trailing slash. */
  get apiBaseUrl(): string {
    return this.baseUrl;
  }

  async load(): Promise<void> {
    try {
      const file = await firstValueFrom(this.http.get<ConfigFile>('config.json', { headers: { 'cache-control': 'no-cache' } }));
      if (file.apiBaseUrl) this.baseUrl = file.apiBaseUrl.replace(/\/+$/, '');
    } catch (error) {
      console.warn(`config.json could not be read; using ${DEFAULT_API_BASE_URL}`, error);
    }
  }

  /** The URL of an API path (`/api/...`). */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** True for requests to the API (the ones that get the bearer token and typed errors). */
  isApiUrl(url: string): boolean {
    return url === this.baseUrl || url.startsWith(`${this.baseUrl}/`);
  }
}
